"""Record rules of the lifecycle (issue 13): 状态, 退出日期, 退出原因 and 原编号.

A record is 在册 unless 状态 says 已退出; 退出日期 and 退出原因 are given
exactly when it is 已退出. A record whose consent was withdrawn is not kept
at all (PIPL art. 47): `pingan withdraw … --reason 撤回个人信息同意` deletes it.
原编号 is written by `pingan transfer`: the 编号 the person had in the unit
they came from.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from .. import codelists
from .. import fields as f
from ..problems import Problem
from .context import Context, RecordView

_RECORD_ID = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*-[0-9]{5}")
#: What a withdrawn record must give, and a record on the roll must not.
WITHDRAWAL_KEYS = (f.WITHDRAWN_ON, f.WITHDRAWAL_REASON)


def withdrawal_complete(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """已退出 gives 退出日期 and 退出原因; a record on the roll (在册, or no 状态) gives neither."""
    if f.STATUS in rec.reported:
        return
    withdrawn = rec.data.get(f.STATUS) == codelists.WITHDRAWN
    for key in WITHDRAWAL_KEYS:
        if key in rec.reported:
            continue
        given = rec.data.get(key) is not None
        if withdrawn and not given:
            yield rec.problem("LIF001", f.STATUS, field=key)
        elif given and not withdrawn:
            yield rec.problem("LIF002", key, at_key=True, field=key)


def withdrawal_date(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """退出日期 is not before 登记日期 and not after today."""
    if not rec.ok(f.WITHDRAWN_ON):
        return
    day = rec.data[f.WITHDRAWN_ON]
    if day > ctx.today:
        yield rec.problem("LIF004", f.WITHDRAWN_ON, value=day, today=ctx.today)
    elif rec.ok(f.REGISTERED) and day < rec.data[f.REGISTERED]:
        yield rec.problem("LIF003", f.WITHDRAWN_ON, value=day, registered=rec.data[f.REGISTERED])


def consent_withdrawn_not_kept(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """A record is not kept once its consent is withdrawn: it is deleted (pingan withdraw does it)."""
    if rec.ok(f.WITHDRAWAL_REASON) and rec.data[f.WITHDRAWAL_REASON] == codelists.CONSENT_WITHDRAWN:
        yield rec.problem("LIF007", f.WITHDRAWAL_REASON, record_id=rec.data.get(f.RECORD_ID) or rec.stem)


def previous_id_valid(rec: RecordView, ctx: Context) -> Iterator[Problem]:
    """原编号 is shaped like a 编号 and is not the record's own 编号."""
    if not rec.ok(f.PREVIOUS_ID):
        return
    value = rec.data[f.PREVIOUS_ID]
    if not _RECORD_ID.fullmatch(value):
        yield rec.problem("LIF006", f.PREVIOUS_ID, value=value)
    elif value == rec.data.get(f.RECORD_ID):
        yield rec.problem("LIF005", f.PREVIOUS_ID, value=value)


LIFECYCLE_RULES = (withdrawal_complete, withdrawal_date, consent_withdrawn_not_kept, previous_id_valid)
