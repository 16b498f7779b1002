"""ERP field mappings (金蝶云星空, 用友, SAP business partner): declarative profiles applied to
the supplier export and to webhook deliveries (``docs/erp-feed.md``)."""

from portal.erp.profiles import (
    SHIPPED,
    Profile,
    ProfileError,
    ProfileNotFoundError,
    load_profiles,
    parse_profile,
    profiles_of,
)

__all__ = [
    "SHIPPED",
    "Profile",
    "ProfileError",
    "ProfileNotFoundError",
    "load_profiles",
    "parse_profile",
    "profiles_of",
]
