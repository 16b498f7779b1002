"""What the authorities say about a company, in one vocabulary for every source.

The registry adapters, the tax-bureau adapters, the import and the stored
supplier all use these enums, so a status read from 企查查 is stored as it is.

>>> RegistryStatus.from_text('存续（在营、开业、在册）'), RegistryStatus.from_text('吊销，未注销')
(<RegistryStatus.ACTIVE: '存续'>, <RegistryStatus.REVOKED: '吊销'>)
>>> RegistryStatus.from_text('吊销，已注销').is_inactive, RegistryStatus.from_text('').value
(True, '未知')
>>> TaxpayerQualification.from_text('增值税一般纳税人'), TaxStatus.from_text('非正常户')
(<TaxpayerQualification.GENERAL: '一般纳税人'>, <TaxStatus.ABNORMAL: '非正常户'>)
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum


class RegistryStatus(StrEnum):
    """Registration status (登记状态) in one vocabulary for every provider."""

    ACTIVE = "存续"
    OPERATING = "在业"
    REVOKED = "吊销"
    DEREGISTERED = "注销"
    MOVED_OUT = "迁出"
    CANCELLED = "撤销"
    SUSPENDED = "停业"
    LIQUIDATING = "清算"
    UNKNOWN = "未知"

    @classmethod
    def from_text(cls, text: str | None) -> RegistryStatus:
        """Classify a provider's status wording (see reference §8); never raises."""
        value = unicodedata.normalize("NFKC", text or "").strip()
        if not value:
            return cls.UNKNOWN
        if "已注销" in value or ("注销" in value and "未注销" not in value and "吊销" not in value):
            return cls.DEREGISTERED
        if "吊销" in value or "责令关闭" in value:
            return cls.REVOKED
        if "撤销" in value:
            return cls.CANCELLED
        if "迁出" in value:
            return cls.MOVED_OUT
        if "停业" in value or "歇业" in value:
            return cls.SUSPENDED
        if "清算" in value or "破产" in value:
            return cls.LIQUIDATING
        if any(
            word in value for word in ("存续", "在业", "在营", "开业", "正常", "仍注册", "迁入")
        ):
            return cls.ACTIVE
        return cls.UNKNOWN

    @property
    def is_inactive(self) -> bool:
        """Whether the company can no longer trade (and should not be paid)."""
        return self in _INACTIVE

    @property
    def needs_review(self) -> bool:
        """Suspended or in liquidation: not terminated, but a buyer should look."""
        return self in (RegistryStatus.SUSPENDED, RegistryStatus.LIQUIDATING)


_INACTIVE = frozenset(
    {
        RegistryStatus.REVOKED,
        RegistryStatus.DEREGISTERED,
        RegistryStatus.MOVED_OUT,
        RegistryStatus.CANCELLED,
    }
)


class TaxpayerQualification(StrEnum):
    """VAT taxpayer qualification (增值税纳税人资格)."""

    GENERAL = "一般纳税人"
    SMALL_SCALE = "小规模纳税人"
    UNKNOWN = "未知"

    @classmethod
    def from_text(cls, text: str | None) -> TaxpayerQualification:
        value = (text or "").strip()
        if "一般纳税人" in value:
            return cls.GENERAL
        if "小规模" in value:
            return cls.SMALL_SCALE
        return cls.UNKNOWN


class TaxStatus(StrEnum):
    """Tax-registration status (税务状态), separate from the 工商 registration status."""

    NORMAL = "正常"
    ABNORMAL = "非正常户"
    DEREGISTERED = "注销"
    UNKNOWN = "未知"

    @classmethod
    def from_text(cls, text: str | None) -> TaxStatus:
        value = (text or "").strip()
        if "非正常" in value:
            return cls.ABNORMAL
        if "注销" in value:
            return cls.DEREGISTERED
        if "正常" in value:
            return cls.NORMAL
        return cls.UNKNOWN


__all__ = ["RegistryStatus", "TaxStatus", "TaxpayerQualification"]
