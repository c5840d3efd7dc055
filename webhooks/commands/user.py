"""``suarawarga user``: staff accounts and their API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from reports.enums import Channel, Role
from webhooks.commands.common import domain_error, ensure_agencies, fail, runtime

app = typer.Typer(help="Staff accounts.", no_args_is_help=True)


@app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[Role, typer.Option(help="admin, verifier, officer, agency_head or manager.")],
    agency: Annotated[str | None, typer.Option(help="Agency code (officers and heads).")] = None,
    full_name: Annotated[str | None, typer.Option(help="Name shown in the console.")] = None,
    password: Annotated[
        str | None,
        typer.Option(
            envvar="SUARAWARGA_NEW_USER_PASSWORD",
            help="Password (prompted if omitted; or SUARAWARGA_NEW_USER_PASSWORD).",
        ),
    ] = None,
    telegram: Annotated[
        str | None, typer.Option(help="Telegram chat id for notifications.")
    ] = None,
    whatsapp: Annotated[
        str | None, typer.Option(help="WhatsApp number (E.164) for notifications.")
    ] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address for notifications.")] = None,
) -> None:
    """Create a staff account (passwords are stored as argon2 hashes)."""
    from reports.staff import create_staff

    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    rt = runtime()
    ensure_agencies(rt)
    addresses = [
        (c, a)
        for c, a in (
            (Channel.TELEGRAM, telegram),
            (Channel.WHATSAPP, whatsapp),
            (Channel.EMAIL, email),
        )
        if a
    ]
    with rt.sessions() as db, db.begin():
        try:
            user = create_staff(
                db, username=username, full_name=full_name or username, password=password,
                role=role, agency_code=agency, addresses=addresses, now=datetime.now(UTC),
            )  # fmt: skip
        except domain_error() as exc:
            needs_agency = getattr(exc, "code", None) == "role_needs_agency"
            fail(str(exc) + (" Give --agency CODE." if needs_agency else ""))
        typer.echo(f"created {user.username} ({user.role.value}{', ' + agency if agency else ''})")


token_app = typer.Typer(
    help="API tokens (bearer) for scripts and integrations.", no_args_is_help=True
)
app.add_typer(token_app, name="token")


def _staff_by_username(db: Any, username: str) -> Any:
    from sqlalchemy import select

    from reports.models import StaffUser

    user = db.scalar(select(StaffUser).where(StaffUser.username == username.strip().lower()))
    if user is None:
        fail(f"no staff account {username!r}")
    return user


@token_app.command("create")
def user_token_create(
    username: Annotated[str, typer.Argument(help="The account the token acts as.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'open311-portal'.")],
) -> None:
    """Create an API token; the secret is printed once and only its SHA-256 is stored."""
    from console import tokens

    rt = runtime()
    with rt.sessions() as db, db.begin():
        user = _staff_by_username(db, username)
        try:
            _row, secret = tokens.create_token(db, staff=user, name=name, now=datetime.now(UTC))
        except domain_error() as exc:
            fail(str(exc))
    typer.echo(secret)
    typer.secho(
        "Store it now: it cannot be shown again. Use it as 'Authorization: Bearer <token>'.",
        err=True,
    )


@token_app.command("revoke")
def user_token_revoke(
    username: Annotated[str, typer.Argument(help="The account the token belongs to.")],
    name: Annotated[str, typer.Option(help="The token's name.")],
) -> None:
    """Revoke a token at once: the next request using it is refused."""
    from console import tokens

    rt = runtime()
    with rt.sessions() as db, db.begin():
        user = _staff_by_username(db, username)
        try:
            count = tokens.revoke_token(db, staff=user, name=name, now=datetime.now(UTC))
        except domain_error() as exc:
            fail(str(exc))
    typer.echo(f"revoked {count} token(s) named {name!r} of {username}")


@app.command("link")
def user_link(
    username: Annotated[str, typer.Argument(help="The staff account to link a chat to.")],
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"code", "expires_at", "telegram_link"}.')
    ] = False,
) -> None:
    """A one-time code (15 minutes) that links the chat it is sent from to the account.

    Telegram: open the link (it sends /start CODE); WhatsApp: send "LINK CODE" to the bot. A new
    code replaces the account's earlier unused one.
    """
    import json

    from reports import officer_chat

    rt = runtime()
    with rt.sessions() as db, db.begin():
        user = _staff_by_username(db, username)
        try:
            issued = officer_chat.new_link_code(db, staff=user, now=datetime.now(UTC))
        except domain_error() as exc:
            fail(str(exc))
    link = officer_chat.telegram_link(rt.settings.telegram_bot_username, issued.code)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "code": issued.code,
                    "expires_at": issued.expires_at.isoformat(),
                    "telegram_link": link,
                }
            )
        )
        return
    typer.echo(f"code: {issued.code} (valid until {issued.expires_at.isoformat()}, once)")
    typer.echo(f"Telegram: {link}" if link else f"Telegram: send /start {issued.code} to the bot")
    typer.echo(f"WhatsApp: send LINK {issued.code} to the bot's number")


@app.command("unlink")
def user_unlink(
    username: Annotated[str, typer.Argument(help="The staff account.")],
    channel: Annotated[
        Channel | None, typer.Option(help="telegram or whatsapp; all linked chats if omitted.")
    ] = None,
) -> None:
    """Unlink the account's chat(s): they receive nothing more and can no longer act."""
    from reports import officer_chat

    rt = runtime()
    with rt.sessions() as db, db.begin():
        user = _staff_by_username(db, username)
        count = officer_chat.unlink(db, staff=user, channel=channel)
    typer.echo(f"unlinked {count} chat(s) of {username}")
