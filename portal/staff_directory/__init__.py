"""The staff directory: people known before their first login, their roles, channels and
preferences (:mod:`~portal.staff_directory.directory`); people the identity provider keeps,
pushed by SCIM (:mod:`~portal.staff_directory.scim`, tokens in
:mod:`~portal.staff_directory.tokens`) or pulled from Keycloak
(:mod:`~portal.staff_directory.pull`, :mod:`~portal.staff_directory.keycloak`)."""

from portal.staff_directory.directory import (
    CHANNELS,
    LANGUAGES,
    STAFF_MEMBER,
    StaffDirectoryError,
    StaffMember,
    add_staff,
    disable_staff,
    link_on_login,
    list_staff,
    member_of_account,
    set_preferences,
)
from portal.staff_directory.sync import DirectoryEntry, RoleMap

__all__ = [
    "CHANNELS",
    "LANGUAGES",
    "STAFF_MEMBER",
    "DirectoryEntry",
    "RoleMap",
    "StaffDirectoryError",
    "StaffMember",
    "add_staff",
    "disable_staff",
    "link_on_login",
    "list_staff",
    "member_of_account",
    "set_preferences",
]
