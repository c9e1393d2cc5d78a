"""Record field names: the Chinese keys of the plan's forms, taken from the model so no module spells them.

`fields.ID_NUMBER` is "身份证号码" because `Volunteer.id_number` has that
alias; renaming a key in the model renames it everywhere.
"""
from __future__ import annotations

from .model import DATE_KEYS, TEXT_KEYS, Volunteer
from .problems import Problem


def _key(attribute: str) -> str:
    alias = Volunteer.model_fields[attribute].alias
    if alias is None:  # pragma: no cover - every record field has its Chinese key
        raise LookupError(attribute)
    return alias


RECORD_ID = _key("record_id")
UNIT = _key("unit")
NAME = _key("name")
SEX = _key("sex")
BIRTH_DATE = _key("birth_date")
ETHNICITY = _key("ethnicity")
POLITICAL_STATUS = _key("political_status")
ID_NUMBER = _key("id_number")
REGION = _key("region")
EMPLOYER = _key("employer")
EDUCATION = _key("education")
ADDRESS = _key("address")
MOBILE = _key("mobile")
LANDLINE = _key("landline")
QQ = _key("qq")
SKILLS = _key("skills")
HEALTH = _key("health")
SERVICE_TIMES = _key("service_times")
SERVICE_TYPE = _key("service_type")
INDUSTRY = _key("industry")
SERVICE_ITEMS = _key("service_items")
ROLES = _key("roles")
RESIDENCE_SINCE = _key("residence_since")
NO_CRIMINAL_RECORD = _key("no_criminal_record")
CONSENT_DATE = _key("consent_date")
REGISTERED = _key("registered")
REMARKS = _key("remarks")
STATUS = _key("status")
WITHDRAWN_ON = _key("withdrawn_on")
WITHDRAWAL_REASON = _key("withdrawal_reason")
PREVIOUS_ID = _key("previous_id")

#: What stays readable in an encrypted record (issue 15): where it stands and how it counts against quotas,
#: never anything about the person. Every other value is encrypted for the unit, the office and CI.
CLEAR_KEYS = (RECORD_ID, UNIT, REGISTERED, STATUS, WITHDRAWN_ON, PREVIOUS_ID)
#: The record keys whose values are encrypted there.
SEALED_KEYS = frozenset(f.alias for f in Volunteer.model_fields.values() if f.alias) - frozenset(CLEAR_KEYS)


def keyless(problem: Problem) -> bool:
    """A problem about anything but an encrypted value (a clear field, a key the record may not have, a whole
    file) or about the encryption itself: it can be found without the key, and its message reveals nothing
    encrypted (what a locked record reports, and what CI prints in full)."""
    return problem.code.startswith("ENC") or problem.key not in SEALED_KEYS


__all__ = [name for name in dir() if name.isupper()] + ["DATE_KEYS", "TEXT_KEYS", "keyless"]
