"""pingan: 山西青年平安志愿者数据仓库的校验、名单、统计与网站工具。"""
from __future__ import annotations

__version__ = "0.1.0"
