"""`atrium serve | migrate | admin create-platform-admin | admin create-tenant`."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from atrium.settings import Settings

if TYPE_CHECKING:
    from atrium.runtime import Runtime


def load_settings() -> Settings:
    """Read settings; a wrong value stops start-up with a message naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = "ATRIUM_" + str(err["loc"][0]).upper() if err["loc"] else "ATRIUM_*"
            lines.append(f"  {name}: {err['msg']}")
        sys.stderr.write("atrium: invalid settings\n" + "\n".join(lines) + "\n")
        raise SystemExit(2) from None


def _prepare(settings: Settings, *, migrate: bool) -> Any:
    from atrium import bootstrap
    from atrium.kit import logging as atrium_logging

    atrium_logging.configure(level=settings.log_level, fmt=settings.log_format)
    urls = bootstrap.database_urls(settings)
    if migrate:
        bootstrap.run_migrations(settings, urls)
    return urls


def _exit_quietly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def cmd_serve(args: argparse.Namespace) -> None:
    import uvicorn

    from atrium.app import create_app

    settings = load_settings()
    urls = _prepare(settings, migrate=settings.migrate_on_start)
    app = create_app(settings, urls)
    # uvicorn shuts down gracefully, restores these handlers and re-raises the signal; exiting
    # through SystemExit (not the default handler) lets atexit stop the embedded PostgreSQL.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _exit_quietly)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=None,
        access_log=False,
        # Longer than clients keep idle pooled connections (httpx: 5 s), so the client
        # closes first: with equal timeouts a request can be written on a connection the
        # server is closing, and the client sees "connection lost".
        timeout_keep_alive=settings.keep_alive_seconds,
        timeout_graceful_shutdown=30,
    )


def cmd_worker(args: argparse.Namespace) -> None:
    """Execute queued runs without serving HTTP (for separate worker machines)."""
    from atrium.runtime import open_runtime

    settings = load_settings()
    urls = _prepare(settings, migrate=False)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        async with open_runtime(settings, urls, worker=True):
            await stop.wait()

    asyncio.run(main())


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = load_settings()
    _prepare(settings, migrate=True)
    print("atrium: database is at the latest migration")


def _with_runtime(work: Callable[[Runtime, Any], Coroutine[Any, Any, None]]) -> None:
    """Run an admin command in one transaction, on the same runtime `atrium serve` builds
    (no run worker), closed entirely afterwards."""
    from atrium.runtime import open_runtime

    settings = load_settings()
    urls = _prepare(settings, migrate=True)

    async def main() -> None:
        async with (
            open_runtime(settings, urls, worker=False) as rt,
            rt.db.transaction() as session,
        ):
            await work(rt, session)

    asyncio.run(main())


def _password(args: argparse.Namespace) -> str:
    password: str = args.password or os.environ.get("ATRIUM_ADMIN_PASSWORD") or ""
    if not password and sys.stdin.isatty():
        password = getpass.getpass("Password: ")
    if len(password) < 8:
        raise SystemExit("atrium: a password of at least 8 characters is required")
    return password


def cmd_create_platform_admin(args: argparse.Namespace) -> None:
    from atrium.users.service import user_service

    password = _password(args)

    async def work(rt: Runtime, session: Any) -> None:
        user = await user_service.get_by_email(session=session, email=args.email)
        if user is None:
            user = await user_service.create(
                session=session,
                email=args.email,
                full_name=args.name or args.email,
                password=password,
                email_verified=True,
                is_platform_admin=True,
            )
        else:
            user.is_platform_admin = True
            # A new password ends the user's sessions and API keys, as a reset does.
            await rt.recovery_service.change_password(
                session=session, user=user, password=password, client=None
            )
        print(f"platform admin: {user.email} ({user.id})")

    _with_runtime(work)


def cmd_create_tenant(args: argparse.Namespace) -> None:
    from atrium.users.service import user_service

    async def work(rt: Runtime, session: Any) -> None:
        owner = await user_service.get_by_email(session=session, email=args.owner_email)
        if owner is None:
            owner = await user_service.create(
                session=session,
                email=args.owner_email,
                full_name=args.owner_email,
                password=_password(args),
                email_verified=True,
            )
        tenant = await rt.tenant_service.create_with_owner(
            session=session, owner=owner, name=args.name, client=None
        )
        if args.plan != "basic":
            await rt.tenant_service.assign_plan(
                session=session, tenant_id=tenant.id, plan_id=args.plan
            )
        print(f"tenant: {tenant.name} ({tenant.id}) owner {owner.email} plan {args.plan}")

    _with_runtime(work)


def cmd_rotate_secrets(args: argparse.Namespace) -> None:
    async def work(rt: Runtime, session: Any) -> None:
        tenant_ids = await rt.tenant_service.all_tenant_ids(session=session)
        count = await rt.provider_key_service.reseal_all(session=session, tenant_ids=tenant_ids)
        count += await rt.mcp_server_service.reseal_all(session=session, tenant_ids=tenant_ids)
        print(f"re-sealed {count} secret(s) under the current ATRIUM_SECRET_KEY")

    _with_runtime(work)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="atrium", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="migrate (unless disabled) and serve HTTP").set_defaults(
        func=cmd_serve
    )
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("worker", help="execute queued runs (no HTTP)").set_defaults(func=cmd_worker)
    admin = sub.add_parser("admin", help="administration").add_subparsers(
        dest="admin_command", required=True
    )
    p = admin.add_parser("create-platform-admin", help="create or promote a platform admin")
    p.add_argument("--email", required=True)
    p.add_argument("--name")
    p.add_argument("--password", help="or ATRIUM_ADMIN_PASSWORD, or asked interactively")
    p.set_defaults(func=cmd_create_platform_admin)
    t = admin.add_parser("create-tenant", help="create a tenant with an owner")
    t.add_argument("--name", required=True)
    t.add_argument("--owner-email", required=True)
    t.add_argument("--plan", choices=["basic", "premium", "gold"], default="basic")
    t.add_argument("--password", help="for a new owner; or ATRIUM_ADMIN_PASSWORD")
    t.set_defaults(func=cmd_create_tenant)
    admin.add_parser(
        "rotate-secrets",
        help="re-encrypt stored secrets under ATRIUM_SECRET_KEY (old keys in "
        "ATRIUM_SECRET_KEY_PREVIOUS)",
    ).set_defaults(func=cmd_rotate_secrets)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
