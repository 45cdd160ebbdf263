"""`/sla` and its subcommands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.flows.errors import DomainError, NotFound
from bot.flows.process import COMMANDS, ENTRY, command_action
from bot.flows.roles import Role, parse_role
from bot.handlers import measure, payloads
from bot.handlers.cards import mention
from bot.handlers.common import Deps, domain_text, open_step, read, run
from bot.handlers.ids import COMMAND
from bot.handlers.kit import escape
from bot.handlers.replies import catalog_blocks, help_blocks, list_blocks, show_blocks
from bot.handlers.roles_modal import roles_modal
from bot.i18n import t
from store.catalogue import current_entries
from store.lifecycle import check_new_request, prepare
from store.queries import ListFilter, get_agreement, list_agreements
from store.role_changes import roles_snapshot
from store.roles import grant_role, revoke_role, roles_of

ID_SUBCOMMANDS = {"show", "review", "change", "terminate"}
LIST_LIMIT = 25  # lines in a `/sla list` reply; the CLI lists everything


def _roles(deps: Deps, user: str) -> set[Role]:
    with deps.db.read() as s:
        return roles_of(s, user)


def _catalog(deps: Deps) -> list[Any]:
    with deps.db.read() as s:
        return current_entries(s)


def register(app: AsyncApp, deps: Deps) -> None:
    @app.command(COMMAND)
    async def handle_sla_command(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await dispatch_command(ack, body, client, deps)


async def dispatch_command(
    ack: AsyncAck, body: Mapping[str, Any], client: AsyncWebClient, deps: Deps
) -> None:
    loc = deps.locale
    user = payloads.user_id(body)
    words = str(body.get("text") or "").split()
    sub = words[0].lower() if words else "help"
    args = words[1:]

    async def reply(text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        await ack(response_type="ephemeral", text=text, blocks=blocks)

    try:
        if sub == "help":
            text, blocks = help_blocks(loc)
            await reply(text, blocks)
        elif sub == "new":
            await read(check_new_request, deps.db, actor=user)
            await ack()
            await open_step(client, deps, body, agreement_id=None, action=ENTRY, lock_version=None)
        elif sub == "list":
            which = args[0].lower() if args else "open"
            if which not in {f.value for f in ListFilter}:
                text, blocks = help_blocks(loc, unknown=str(body.get("text") or ""))
                await reply(text, blocks)
                return
            rows = await read(
                list_agreements,
                deps.db,
                ListFilter(which),
                user=user,
                today=deps.clock().date(),
                limit=LIST_LIMIT + 1,
            )
            text, blocks = list_blocks(rows, which, loc, limit=LIST_LIMIT)
            await reply(text, blocks)
        elif sub in measure.SUBCOMMANDS:
            await measure.command(ack, body, client, deps, [sub, *args])
        elif sub in ID_SUBCOMMANDS:
            if not args or not args[0].upper().startswith("SLA-"):
                await reply(t("err_bad_id", loc, sub=sub))
                return
            agreement_id = args[0].upper()
            if sub == "show":
                detail = await read(get_agreement, deps.db, agreement_id, recent=15)
                text, blocks = show_blocks(detail, loc)
                await reply(text, blocks)
                return
            # terminate: sales notifies (T1); a manager starts M14 (roles read only then)
            roles = await read(_roles, deps, user) if len(COMMANDS.get(sub, ())) > 1 else set()
            action = command_action(sub, roles)
            if action is None:
                text, blocks = help_blocks(loc, unknown=str(body.get("text") or ""))
                await reply(text, blocks)
                return
            prep = await read(prepare, deps.db, agreement_id, action, actor=user)
            await ack()
            await open_step(
                client,
                deps,
                body,
                agreement_id=agreement_id,
                action=action,
                lock_version=prep.lock_version,
                agreement_label=agreement_id,
            )
        elif sub in ("doc", "docs"):
            text, blocks = await doc_reply(deps, args)
            await reply(text, blocks or None)
        elif sub in ("catalog", "catalogue"):
            entries = await read(_catalog, deps)
            roles = await read(_roles, deps, user)
            text, blocks = catalog_blocks(entries, loc, can_edit=Role.SLM in roles)
            await reply(text, blocks)
        elif sub == "outbox":
            roles = await read(_roles, deps, user)
            if Role.ADMIN not in roles:
                await reply(
                    t("err_permission", loc, roles=Role.ADMIN.label(loc), what="/sla outbox")
                )
                return
            await reply(await read(outbox_text, deps))
        elif sub == "roles":
            roles = await read(_roles, deps, user)
            if Role.ADMIN not in roles:
                await reply(
                    t("err_permission", loc, roles=Role.ADMIN.label(loc), what="/sla roles")
                )
                return
            await ack()
            view = roles_modal(await read(roles_snapshot, deps.db), loc)
            await client.views_open(trigger_id=payloads.trigger_id(body), view=view)
        elif sub == "role":
            await reply(await role_text(deps, user, args))
        elif sub in ("dept", "depts", "departments"):
            from bot.handlers.departments import dept_text

            await reply(await dept_text(deps, user, args))
        else:
            text, blocks = help_blocks(loc, unknown=str(body.get("text") or ""))
            await reply(text, blocks)
    except NotFound:
        await reply(t("err_not_found", loc, id=args[0].upper() if args else ""))
    except DomainError as exc:
        await reply(domain_text(exc, deps))


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
            pending=summary.counts.get("pending", 0),
            sent=summary.counts.get("sent", 0),
            failed=summary.counts.get("failed", 0),
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
