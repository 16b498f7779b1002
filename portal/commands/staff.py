"""``portal staff add|list|disable|sync|scim-token``: the staff directory from the command line.

The person running the command acts as an administrator (whoever can run the CLI on the
server can read its database anyway); every change is audited with the OS user's name as
the channel (``cli:<user>``).
"""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime

from portal.audit.log import AuditContext, AuditLog
from portal.bootstrap import people_source
from portal.commands import CommandError
from portal.commands.common import SubParsers, add_db_options, services_for
from portal.domain.principal import STAFF, Principal, Role
from portal.staff_directory import add_staff, disable_staff, list_staff
from portal.staff_directory.pull import pull_directory
from portal.staff_directory.tokens import create_directory_token, revoke_directory_token


def _operator() -> Principal:
    user = getpass.getuser()
    return Principal(f"cli:{user}", Role.ADMIN, user)


def _add(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        member = add_staff(
            services.engine,
            AuditLog(services.sealer),
            AuditContext.cli("staff"),
            _operator(),
            name=args.name,
            email=args.email,
            roles=args.role,
            language=args.language,
            wecom_userid=args.wecom,
            dingtalk_userid=args.dingtalk,
            oidc_subject=args.subject,
            now=datetime.now(UTC),
        )
    state = "已登录过 / logged in before" if member.logged_in else "尚未登录 / not logged in yet"
    print(f"added {member.display_name} <{member.email}> ({', '.join(member.roles)}); {state}")
    return 0


def _list(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        members = list_staff(services.engine, _operator())
    for m in members:
        state = "disabled" if m.disabled else ("active" if m.logged_in else "never logged in")
        ids = " ".join(
            f"{label}:{value}"
            for label, value in (("wecom", m.wecom_userid), ("dingtalk", m.dingtalk_userid))
            if value
        )
        print(
            f"{m.display_name}\t{m.email}\t{','.join(m.roles)}\t{m.language}\t"
            f"{','.join(m.channels)}\t{state}\t{ids}".rstrip()
        )
    return 0


def _disable(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        member = disable_staff(
            services.engine,
            AuditLog(services.sealer),
            AuditContext.cli("staff"),
            _operator(),
            args.who,
            now=datetime.now(UTC),
        )
    print(f"disabled {member.display_name} <{member.email}>: no further messages")
    return 0


def _sync(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        source = people_source(services.settings)
        if source is None:
            raise CommandError(
                "no directory to pull from: set PORTAL_KEYCLOAK_URL, PORTAL_KEYCLOAK_REALM, "
                "PORTAL_KEYCLOAK_CLIENT_ID and PORTAL_KEYCLOAK_CLIENT_SECRET"
            )
        report = pull_directory(
            services.engine, AuditLog(services.sealer), source, now=datetime.now(UTC)
        )
    if report.error:
        raise CommandError(report.error)
    print(f"{source.source}: {report.summary}")
    for refused in report.refused:
        print(f"  refused: {refused}")
    return 1 if report.refused else 0


def _token(args: argparse.Namespace) -> int:
    with services_for(args) as services:
        audit, ctx, now = AuditLog(services.sealer), AuditContext.cli("staff"), datetime.now(UTC)
        if args.token_action == "create":  # noqa: S105 (an action, not a password)
            print(create_directory_token(services.engine, audit, ctx, _operator(), args.name,
                                         now=now))  # fmt: skip
        else:
            revoke_directory_token(services.engine, audit, ctx, _operator(), args.name, now=now)
            print(f"revoked {args.name}")
    return 0


def register(sub: SubParsers) -> None:
    """Add the ``staff`` group."""
    parser = sub.add_parser("staff", help="the staff directory (people told before login)")
    commands = parser.add_subparsers(dest="staff_command", required=True, metavar="ACTION")
    add = commands.add_parser("add", help="register a person")
    add.add_argument("name")
    add.add_argument("email")
    add.add_argument(
        "--role",
        action="append",
        required=True,
        choices=sorted(r.value for r in STAFF),
        help="repeat for several roles",
    )
    add.add_argument("--language", choices=("zh", "en"), default="zh")
    add.add_argument("--wecom", help="WeCom (企业微信) userid")
    add.add_argument("--dingtalk", help="DingTalk (钉钉) userid")
    add.add_argument("--subject", help="the OpenID subject, when known before the first login")
    listing = commands.add_parser("list", help="everyone in the directory")
    disable = commands.add_parser("disable", help="stop telling a person (by e-mail or id)")
    disable.add_argument("who")
    sync = commands.add_parser("sync", help="pull people and roles from Keycloak once")
    token = commands.add_parser("scim-token", help="the identity provider's SCIM token")
    token.add_argument("token_action", choices=("create", "revoke"))
    token.add_argument("name", help="who uses it (e.g. 'Entra ID'); its changes carry it")
    for command, handler in (
        (add, _add), (listing, _list), (disable, _disable), (sync, _sync), (token, _token)
    ):  # fmt: skip
        add_db_options(command)
        command.set_defaults(handler=handler)
