"""The one way into the data: settings, the listing of records, each record's verdict, and the past.

Every command reads the repository through this package. `Repository(root)`
loads the settings and lists the records; `repo.verdicts()` checks every
record once (cached by content) and says which count; `repo.volunteer(v)`
reads a counted record as a Volunteer. The past (changed paths, the tree at
a commit, an ID number's history) is read through git here too.
"""
from __future__ import annotations

from .cache import CACHE_DIR
from .changes import Change, added, changed_files, touched
from .checking import JOBS, load_record, loaded_blobs
from .facts import Facts, name_digest
from .history import Holding, holding_commits, masked
from .past import (
    changed_between,
    data_at,
    last_commit_before,
    names_ever_in,
    numbers_used,
    parse_retired,
    record_paths_ever,
    repository_at,
    retired_at,
    settings_at,
    target_branch,
)
from .repository import (
    COUNTED,
    HAS_ERRORS,
    STATUSES,
    TO_VERIFY,
    WITHDRAWN,
    Repository,
    Verdict,
    Verdicts,
    refused_uploads,
    tracked_caches,
    unit_of,
    uploads,
)
from .settings_files import Settings, load_settings

__all__ = [
    "CACHE_DIR", "COUNTED", "Change", "Facts", "HAS_ERRORS", "Holding", "JOBS", "Repository", "STATUSES", "Settings", "TO_VERIFY",
    "Verdict", "Verdicts", "added", "changed_between", "changed_files", "data_at", "holding_commits", "last_commit_before",
    "load_record", "load_settings", "loaded_blobs", "masked", "name_digest", "names_ever_in", "numbers_used", "parse_retired", "retired_at", "record_paths_ever", "refused_uploads", "repository_at",
    "settings_at", "uploads", "tracked_caches", "unit_of",
    "target_branch", "touched", "WITHDRAWN",
]
