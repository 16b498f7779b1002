"""The staff directory: people known before their first login, their roles, channels and
preferences (:mod:`~portal.staff_directory.directory`)."""

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

__all__ = [
    "CHANNELS",
    "LANGUAGES",
    "STAFF_MEMBER",
    "StaffDirectoryError",
    "StaffMember",
    "add_staff",
    "disable_staff",
    "link_on_login",
    "list_staff",
    "member_of_account",
    "set_preferences",
]
