"""`/sla` and its subcommands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.blocks.cards import mention
from bot.blocks.ids import COMMAND
from bot.blocks.kit import escape
from bot.flows.errors import DomainError, NotFound
from bot.flows.process import COMMANDS, ENTRY, command_action
from bot.flows.roles import Role, parse_role
from bot.flows.statuses import OutboxStatus
from bot.handlers import measure, payloads
from bot.handlers.common import Deps, domain_text, open_step, read, run
from bot.handlers.replies import catalog_blocks, help_blocks, list_blocks, show_blocks
from bot.handlers.roles_modal import roles_modal
from bot.i18n import t
from store.catalogue import catalogue
from store.lifecycle import check_new_request, prepare
from store.queries import ListFilter, get_agreement, list_agreements
from store.role_changes import roles_snapshot
from store.roles import grant_role, revoke_role, user_roles

ID_SUBCOMMANDS = {"show", "review", "change", "terminate"}
LIST_LIMIT = 25  # lines in a `/sla list` reply; the CLI lists everything


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(COMMAND)
    async def handle_sla_command(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await dispatch_command(ack, body, client, deps)


@dataclass(frozen=True)
class _Cmd:
    """One `/sla` command as its sub-command handler sees it."""

    ack: AsyncAck
    body: Mapping[str, Any]
    client: AsyncWebClient
    deps: Deps
    user: str
    sub: str
    args: list[str]

    @property
    def loc(self) -> str:
        return self.deps.locale

    async def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        await self.ack(response_type="ephemeral", text=text, blocks=blocks)

    async def reply_help(self) -> None:
        """The help, naming the command it did not understand."""
        text, blocks = help_blocks(self.loc, unknown=str(self.body.get("text") or ""))
        await self.reply(text, blocks)


async def dispatch_command(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    words = str(body.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    cmd = _Cmd(ack, body, client, deps, payloads.user_id(body), sub, words[1:])
    handle = SUBCOMMANDS.get(sub, _unknown)
    try:
        await handle(cmd)
    except NotFound:
        await cmd.reply(t("err_not_found", cmd.loc, id=cmd.args[0].upper() if cmd.args else ""))
    except DomainError as exc:
        await cmd.reply(domain_text(exc, deps))


async def _help(cmd: _Cmd) -> None:
    text, blocks = help_blocks(cmd.loc)
    await cmd.reply(text, blocks)


async def _unknown(cmd: _Cmd) -> None:
    await cmd.reply_help()


async def _new(cmd: _Cmd) -> None:
    await read(check_new_request, cmd.deps.db, actor=cmd.user)
    await cmd.ack()
    await open_step(
        cmd.client, cmd.deps, cmd.body, agreement_id=None, action=ENTRY, lock_version=None
    )


async def _list(cmd: _Cmd) -> None:
    which = cmd.args[0].lower() if cmd.args else "open"
    if which not in {f.value for f in ListFilter}:
        await cmd.reply_help()
        return
    rows = await read(
        list_agreements,
        cmd.deps.db,
        ListFilter(which),
        user=cmd.user,
        today=cmd.deps.clock().date(),
        limit=LIST_LIMIT + 1,
    )
    text, blocks = list_blocks(rows, which, cmd.loc, limit=LIST_LIMIT)
    await cmd.reply(text, blocks)


async def _measure(cmd: _Cmd) -> None:
    await measure.command(cmd.ack, cmd.body, cmd.client, cmd.deps, [cmd.sub, *cmd.args])


async def _by_id(cmd: _Cmd) -> None:
    """`show`, `review`, `change`, `terminate` with an agreement id."""
    if not cmd.args or not cmd.args[0].upper().startswith("SLA-"):
        await cmd.reply(t("err_bad_id", cmd.loc, sub=cmd.sub))
        return
    agreement_id = cmd.args[0].upper()
    if cmd.sub == "show":
        detail = await read(get_agreement, cmd.deps.db, agreement_id, recent=15)
        text, blocks = show_blocks(detail, cmd.loc)
        await cmd.reply(text, blocks)
        return
    # terminate: sales notifies (T1); a manager starts M14 (roles read only then)
    several = len(COMMANDS.get(cmd.sub, ())) > 1
    roles = await read(user_roles, cmd.deps.db, cmd.user) if several else set()
    action = command_action(cmd.sub, roles)
    if action is None:
        await cmd.reply_help()
        return
    prep = await read(prepare, cmd.deps.db, agreement_id, action, actor=cmd.user)
    await cmd.ack()
    await open_step(
        cmd.client,
        cmd.deps,
        cmd.body,
        agreement_id=agreement_id,
        action=action,
        lock_version=prep.lock_version,
        agreement_label=agreement_id,
    )


async def _doc(cmd: _Cmd) -> None:
    text, blocks = await doc_reply(cmd.deps, cmd.args)
    await cmd.reply(text, blocks or None)


async def _catalog_cmd(cmd: _Cmd) -> None:
    entries = await read(catalogue, cmd.deps.db)
    roles = await read(user_roles, cmd.deps.db, cmd.user)
    text, blocks = catalog_blocks(entries, cmd.loc, can_edit=Role.SLM in roles)
    await cmd.reply(text, blocks)


async def _is_admin(cmd: _Cmd, what: str) -> bool:
    """Whether the user is an admin; else the refusal is the reply."""
    roles = await read(user_roles, cmd.deps.db, cmd.user)
    if Role.ADMIN in roles:
        return True
    await cmd.reply(t("err_permission", cmd.loc, roles=Role.ADMIN.label(cmd.loc), what=what))
    return False


async def _outbox(cmd: _Cmd) -> None:
    if await _is_admin(cmd, "/sla outbox"):
        await cmd.reply(await read(outbox_text, cmd.deps))


async def _roles_modal(cmd: _Cmd) -> None:
    if not await _is_admin(cmd, "/sla roles"):
        return
    await cmd.ack()
    view = roles_modal(await read(roles_snapshot, cmd.deps.db), cmd.loc)
    await cmd.client.views_open(trigger_id=payloads.trigger_id(cmd.body), view=view)


async def _role(cmd: _Cmd) -> None:
    await cmd.reply(await role_text(cmd.deps, cmd.user, cmd.args))


async def _dept(cmd: _Cmd) -> None:
    from bot.handlers.departments import dept_text

    await cmd.reply(await dept_text(cmd.deps, cmd.user, cmd.args))


#: the sub-commands and their handlers (anything else: the help, naming what was typed)
SUBCOMMANDS: dict[str, Callable[[_Cmd], Awaitable[None]]] = {
    "help": _help,
    "new": _new,
    "list": _list,
    **{sub: _measure for sub in measure.SUBCOMMANDS},
    **{sub: _by_id for sub in ID_SUBCOMMANDS},
    "doc": _doc,
    "docs": _doc,
    "catalog": _catalog_cmd,
    "catalogue": _catalog_cmd,
    "outbox": _outbox,
    "roles": _roles_modal,
    "role": _role,
    "dept": _dept,
    "depts": _dept,
    "departments": _dept,
}


async def doc_reply(deps: Deps, args: list[str]) -> tuple[str, list[dict[str, Any]]]:
    """`/sla doc ID [kind] [vN]`: the documents, or one of them (NotFound: no agreement)."""
    from bot.flows.documents import DocKind
    from bot.handlers import doc_replies as dr
    from store.doc_queries import list_documents

    loc = deps.locale
    if not args or not args[0].upper().startswith("SLA-"):
        return t("doc_usage", loc), []
    agreement_id = args[0].upper()
    try:
        req = dr.parse_doc_args(args[1:])
        if req.kind is None and req.version is None:
            rows = await read(list_documents, deps.db, agreement_id)
            return dr.list_blocks(rows, agreement_id, loc)
        texts = await read(dr.load, deps.db, agreement_id, req, loc)
    except dr.DocArgsError as exc:
        kinds = ", ".join(k.value for k in DocKind)
        text = t(exc.key, loc, id=agreement_id, value=escape(exc.value), kinds=kinds)
        return text, []
    return dr.text_blocks(texts, loc)


def outbox_text(deps: Deps) -> str:
    """The admin view of the outbox: counts, and the rows that keep failing."""
    from store.outbox import outbox_summary

    summary = outbox_summary(deps.db)
    loc = deps.locale
    lines = [
        t(
            "outbox_counts",
            loc,
            pending=summary.counts.get(OutboxStatus.PENDING, 0),
            sent=summary.counts.get(OutboxStatus.SENT, 0),
            failed=summary.counts.get(OutboxStatus.FAILED, 0),
        )
    ]
    for row_id, kind, target, attempts, error in summary.troubled:
        lines.append(
            t(
                "outbox_line",
                loc,
                id=row_id,
                kind=kind,
                target=target,
                attempts=attempts,
                error=error[:120],
            )
        )
    return "\n".join(lines)


async def role_text(deps: Deps, actor: str, args: list[str]) -> str:
    """`/sla role add|remove <@user> ROLE`."""
    loc = deps.locale
    usage = t("role_usage", loc, roles=", ".join(r.value for r in Role))
    if len(args) != 3 or args[0].lower() not in ("add", "remove"):
        return usage
    target = payloads.mentioned_user(args[1])
    if target is None:
        return t("role_bad_user", loc)
    try:
        role = parse_role(args[2])
    except ValueError:
        return usage
    fn = grant_role if args[0].lower() == "add" else revoke_role
    changed = await run(fn, deps.db, target, role, by=actor, now=deps.clock())
    who = mention(target)
    if not changed:
        state = t("role_has" if fn is grant_role else "role_lacks", loc)
        return t("role_nothing", loc, user=who, state=state, role=role.label(loc))
    key = "role_added" if fn is grant_role else "role_removed"
    return t(key, loc, user=who, role=role.label(loc))
