"""Mainland phone numbers by phonenumbers' metadata: what the rules and the demo data agree a mobile is."""
from __future__ import annotations

import re

import phonenumbers

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
#: Leading digits that parse() strips as a carrier or national prefix in China ("179xx", "0").
_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
if _CN is None or _CN.national_prefix_for_parsing is None:  # pragma: no cover - phonenumbers always has China
    raise ImportError("phonenumbers has no metadata for China")
_CARRIER_PREFIX = re.compile(_CN.national_prefix_for_parsing)


def is_mobile(value: str) -> bool:
    """A mainland mobile number by phonenumbers' metadata.

    A number has a type other than UNKNOWN exactly when is_valid_number holds,
    so asking for the type alone decides both (and matches the patterns once).
    """
    if len(value) == 11 and value.isascii() and value.isdigit() and not _CARRIER_PREFIX.match(value):
        # What parse() would build, without its costly normalising (a tenth of the time per record).
        number = phonenumbers.PhoneNumber(country_code=86, national_number=int(value))
        return phonenumbers.number_type(number) in _MOBILE_TYPES
    try:  # e.g. 17951… is taken for a carrier prefix and the rest is "too short"
        number = phonenumbers.parse(value, "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in _MOBILE_TYPES
