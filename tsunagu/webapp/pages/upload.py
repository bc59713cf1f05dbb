"""Department uploads: sign in with a token, upload a file and manifest, read the report, publish.

Every route goes through :func:`tsunagu.webapp.auth.authorize`. Every POST is CSRF-checked by
Flask-WTF's ``CSRFProtect`` in this blueprint's ``before_request`` (global checking is left off so
JSON APIs elsewhere keep their own rules). The work itself is in :mod:`tsunagu.services.uploads`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from flask_wtf.file import FileField
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # WTForms 3.2 API, not in types-WTForms yet
from wtforms.validators import DataRequired, Length, Optional, Regexp

from tsunagu.errors import PermissionDenied, TsunaguError
from tsunagu.manifest import FREQUENCIES, LICENCES, load_municipality
from tsunagu.services import departments
from tsunagu.services.jobs import JobQueue, open_queue
from tsunagu.services.uploads import (
    STEPS,
    IncomingFile,
    LossNotConfirmed,
    Upload,
    UploadRejected,
    UploadRequest,
    UploadStore,
    has_drift,
)
from tsunagu.webapp import auth
from tsunagu.webapp.context import web

bp = Blueprint("upload", __name__)
#: The standard field's choice for a new dataset no standard covers (never a standard's slug:
#: those have no colon); its schema is inferred from the file and confirmed on the report page.
NEW_SCHEMA = "own:new"
#: Problems the column-mapping screen fixes (a column not mapped, a value outside the list).
MAPPING_CODES = frozenset({"column-unmapped", "constraint-error"})


@bp.record_once
def _init_csrf(state: BlueprintSetupState) -> None:
    state.app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    if "csrf" not in state.app.extensions:
        CSRFProtect(state.app)


@bp.before_request
def _csrf() -> None:
    from flask import current_app

    enabled = current_app.config.get("WTF_CSRF_ENABLED", True)  # Flask-WTF's own switch
    if enabled and request.method not in ("GET", "HEAD", "OPTIONS"):
        current_app.extensions["csrf"].protect()


@bp.context_processor
def _labels() -> dict[str, Any]:
    """Codes in people's words on the department's pages (frequency, licence, problem)."""
    from tsunagu.messages import title
    from tsunagu.webapp.dataset_facts import frequency_label
    from tsunagu.webapp.i18n import current_lang
    from tsunagu.webapp.licences import licence

    def licence_label(code: str) -> str:
        try:
            found = licence(code)
        except (KeyError, TsunaguError):
            return code
        return found.name_en if current_lang() == "en" else found.name_ja

    return {
        "frequency_label": lambda code: frequency_label(code, current_lang()),
        "licence_label": licence_label,
        "problem_title": lambda code: title(code, current_lang()),
    }


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc: RequestEntityTooLarge) -> tuple[str, int]:
    limit = web().settings.max_upload_bytes
    return render_template("upload_too_large.html", limit=limit, mb=limit / 1024 / 1024), 413


class SignInForm(FlaskForm):
    token = PasswordField(
        validators=[DataRequired(_l("トークンを入力してください")), Length(max=200)]
    )


class UploadForm(FlaskForm):
    # Not FileRequired: an update of a dataset with several files may send its files in the
    # per-file inputs instead (:func:`_incoming_files` checks that at least one came).
    file = FileField()
    dataset_id = StringField(
        validators=[
            DataRequired(_l("データセットIDを入力してください")),
            Regexp(
                r"[a-z0-9][a-z0-9_-]{1,99}\Z",  # WTForms re.match; "$" accepts "id\n"
                message=_l("半角英小文字・数字・-・_ で2〜100文字にしてください"),
            ),
        ]
    )
    title_ja = StringField(
        validators=[DataRequired(_l("タイトルを入力してください")), Length(max=200)]
    )
    title_en = StringField(validators=[Optional(), Length(max=200)])
    description_ja = TextAreaField(validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(validators=[Optional(), Length(max=5000)])
    standard = SelectField(validate_choice=True)
    licence = SelectField(choices=[SelectChoice(v) for v in LICENCES], default="CC-BY-4.0")
    update_frequency = SelectField(
        choices=[SelectChoice(v) for v in FREQUENCIES], default="irregular"
    )
    tags = StringField(validators=[Optional(), Length(max=500)])
    sheet = StringField(validators=[Optional(), Length(max=100)])
    crs = StringField(
        validators=[
            Optional(),
            Regexp(r"EPSG:\d{4,5}\Z", message=_l("EPSG:6677 の形で書いてください")),
        ]
    )

    def to_request(self) -> UploadRequest:
        tags = self.tags.data.replace("、", ",").split(",") if self.tags.data else []
        new_schema = self.standard.data == NEW_SCHEMA
        return UploadRequest(
            dataset_id=self.dataset_id.data or "",  # DataRequired: never empty here
            title_ja=(self.title_ja.data or "").strip(),
            title_en=(self.title_en.data or "").strip(),
            standard="" if new_schema else self.standard.data,
            new_schema=new_schema,
            description_ja=self.description_ja.data or "",
            description_en=self.description_en.data or "",
            licence=self.licence.data,
            update_frequency=self.update_frequency.data,
            tags=tuple(t.strip() for t in tags if t.strip())[:20],
            sheet=self.sheet.data or None,
            crs=self.crs.data or None,
        )


def _upload_form(
    data: dict[str, Any] | None = None, own_schema: bool = False, offer_new: bool = True
) -> UploadForm:
    """The form; ``own_schema`` offers the dataset's own schema first (an update of a dataset
    no standard covers keeps its contract; a standard cannot be picked over it by accident);
    ``offer_new`` the choice of no standard (a new dataset's schema inferred from its file),
    left off an update's page and refused for an update by :func:`create`."""
    from flask_babel import gettext

    from tsunagu.standards import load_registry
    from tsunagu.webapp.i18n import current_lang

    en = current_lang() == "en"
    form = UploadForm(data=data) if data else UploadForm()
    schemas = load_registry(web().settings.schemas_dir).current()
    choices = [SelectChoice(s.slug, s.title_en if en else s.title_ja) for s in schemas]
    if own_schema:
        choices.insert(0, SelectChoice("", gettext("独自スキーマ（このデータセットのスキーマ）")))
    if offer_new:
        label = gettext("標準なし（ファイルから列の定義を作り、確認してから公開）")
        choices.append(SelectChoice(NEW_SCHEMA, label))
    form.standard.choices = choices
    return form


def _has_own_schema(saved: departments.SavedDataset | None) -> bool:
    manifest = saved.manifest if saved is not None else {}
    return bool(manifest.get("schema") and not manifest.get("standard"))


def department_names(slug: str) -> dict[str, str]:
    """The department's names from ``datasets/*/municipality.yaml``; the slug when unlisted."""
    for path in sorted(web().settings.datasets_dir.glob("*/municipality.yaml")):
        known = load_municipality(path).departments.get(slug)
        if known:
            return {"id": slug, "ja": known.name.ja, "en": known.name.en}
    return {"id": slug, "ja": slug, "en": slug}


def _store() -> UploadStore:
    return UploadStore(web().settings)


def _jobs() -> JobQueue:
    """The app's job queue, made on first use — in the serving process, never in gunicorn's
    master — and kept for the app's life (the in-process queue owns its worker thread)."""
    from flask import current_app

    queue = current_app.extensions.get("tsunagu.jobs")
    if queue is None:
        queue = current_app.extensions.setdefault(
            "tsunagu.jobs", open_queue(web().settings, web().catalogue)
        )
    return queue


def _owned(upload_id: str, action: str) -> tuple[Upload, auth.Principal]:
    auth.authorize(None, action)  # signed in at all, before anything about the id is revealed
    upload = _store().get(upload_id)
    return upload, auth.authorize(upload.department, action)


def _own(principal: auth.Principal) -> list[departments.DatasetStatus]:
    return departments.department_datasets(web().catalogue, principal.department, datetime.now(UTC))


def _index_page(
    form: UploadForm, principal: auth.Principal, status: int = 200, update: str | None = None
) -> tuple[str, int]:
    uploads = _store().for_department(principal.department)
    names = department_names(principal.department)
    saved = _saved(update) if update else None
    page = render_template(
        "upload.html",
        form=form,
        uploads=uploads,
        department=names,
        own=_own(principal),
        update=update,
        sources=saved.sources if saved is not None and len(saved.sources) > 1 else (),
        removing=set(request.form.getlist("remove")) if request.method == "POST" else set(),
    )
    return page, status


def _saved(dataset_id: str) -> departments.SavedDataset | None:
    settings = web().settings
    return departments.saved_dataset(dataset_id, _store().root, settings.datasets_dir)


def _incoming_files(saved: departments.SavedDataset | None) -> list[IncomingFile]:
    """The files sent: those in the main input (matched to a source by name) and those in a
    dataset's per-file inputs (``file-<n>``, the n-th source, chosen on the page)."""
    files = [
        IncomingFile(f.filename, f.stream)
        for f in request.files.getlist("file")
        if f is not None and f.filename
    ]
    for i, source in enumerate(saved.sources if saved is not None else ()):
        chosen = request.files.get(f"file-{i}")
        if chosen is not None and chosen.filename:
            files.append(IncomingFile(chosen.filename, chosen.stream, key=source.key))
    return files


@bp.get("/upload")
def index() -> tuple[str, int]:
    """The upload form; ``?update=ID`` pre-fills it from the dataset's saved manifest and
    ``?again=UPLOAD`` from an earlier upload's form (「別のファイルを登録する」)."""
    principal = auth.authorize(None, "view")
    update = request.args.get("update", "")
    again = request.args.get("again", "")
    data: dict[str, Any] | None = None
    if update:
        try:
            departments.check_owner(web().catalogue, update, principal.department)
        except PermissionDenied as exc:
            form = _upload_form({"dataset_id": update})
            form.dataset_id.errors = [_user_message(exc)]
            return _index_page(form, principal, 403)
        saved = _saved(update)
        data = departments.form_defaults(saved.manifest) if saved else {"dataset_id": update}
    elif again:
        upload, _ = _owned(again, "view")
        data = dict(upload.status.get("request") or {})
        data["tags"] = ", ".join(data.get("tags") or ())
        if upload.status.get("update"):  # again an update: the dataset's files are offered too
            update = str(upload.status.get("dataset_id") or "")
    own = _has_own_schema(_saved(str((data or {}).get("dataset_id") or ""))) if data else False
    form = _upload_form(data, own, offer_new=not update)
    return _index_page(form, principal, update=update or None)


def _user_message(exc: TsunaguError) -> str:
    from tsunagu.webapp.i18n import current_lang

    return exc.message_en if current_lang() == "en" else exc.message_ja


@bp.get("/upload/mine")
def mine() -> str:
    """ "My datasets": the department's datasets, their state and an Update button each."""
    principal = auth.authorize(None, "view")
    return render_template(
        "upload_mine.html",
        own=_own(principal),
        department=department_names(principal.department),
        form=FlaskForm(),
    )


@bp.post("/upload")
def create() -> ResponseReturnValue:
    principal = auth.authorize(None, "upload")
    form = _upload_form(own_schema=_has_own_schema(_saved(request.form.get("dataset_id", ""))))
    if not form.validate_on_submit():
        return _index_page(form, principal, 400)
    dataset_id = form.dataset_id.data or ""  # DataRequired: never empty once validated
    try:  # ownership first: a tampered id is refused here, not at publish
        update = departments.check_owner(web().catalogue, dataset_id, principal.department)
    except PermissionDenied as exc:
        auth.audit("upload-refused", f"department:{principal.department}", dataset=dataset_id)
        form.dataset_id.errors = [_user_message(exc)]
        return _index_page(form, principal, 403)
    if update and form.standard.data == NEW_SCHEMA:  # a published dataset keeps its contract
        form.standard.errors = [
            gettext(
                "「標準なし」は新しいデータセットのときだけ選べます。"
                "公開中のデータセットは今のスキーマ（または標準）で更新してください"
            )
        ]
        return _index_page(form, principal, 400, update=dataset_id)
    store = _store()
    saved = _saved(dataset_id) if update else None
    files = _incoming_files(saved)
    if not files:
        form.file.errors = [gettext("ファイルを選んでください")]
        return _index_page(form, principal, 400, update=dataset_id if update else None)
    removed = [
        saved.sources[int(n)].key
        for n in request.form.getlist("remove")
        if saved is not None and n.isdigit() and int(n) < len(saved.sources)
    ]
    try:
        upload = store.store(
            department_names(principal.department),
            files,
            form.to_request(),
            saved=saved,
            removed=removed,
            removal_confirmed=request.form.get("confirm_remove") == "yes",
        )
    except UploadRejected as exc:  # shown on the form, with everything typed kept
        form.file.errors = [_user_message(exc)]
        return _index_page(form, principal, 400, update=dataset_id if update else None)
    store.queue_processing(upload, _jobs())  # stored and acknowledged; the work is queued
    return redirect(url_for("upload.show", upload_id=upload.id), 303)


def _report_page(
    upload: Upload,
    status: int = 200,
    refused: bool = False,
    schema_refused: bool = False,
    confirm_refused: bool = False,
) -> tuple[str, int]:
    store = _store()
    by_source = store.changes_by_source(upload, web().catalogue) if upload.state == "valid" else {}
    names = {str(s.get("key")): s.get("original_name") for s in upload.status.get("sources") or []}
    change_list = [(key, names.get(key) or key, c) for key, c in by_source.items()]
    preview = store.preview(upload) if upload.state in ("valid", "published") else None
    codes = {
        p["code"] for o in upload.status.get("outcomes") or [] for p in o.get("problems") or []
    }
    page = render_template(
        "upload_report.html",
        upload=upload,
        form=FlaskForm(),
        steps=STEPS,
        change_list=change_list,
        losing=[item for item in change_list if item[2].needs_confirmation],
        several=len(change_list) > 1 or any(key != "main" for key, _n, _c in change_list),
        preview=preview,
        refused=refused,
        schema_refused=schema_refused,
        confirm_refused=confirm_refused,
        proposal=store.proposal(upload),
        drift=has_drift(upload),
        needs_mapping=bool(codes & MAPPING_CODES),
    )
    return page, status


@bp.get("/upload/<upload_id>/preview.geojson")
def geojson(upload_id: str) -> Response:
    """The converted GeoJSON of an upload, for the preview's small map (owner only)."""
    upload, _ = _owned(upload_id, "view")
    path = upload.artifact("geojson")
    if path is None or not path.is_file():
        return Response(status=404)
    response = send_file(path, mimetype="application/geo+json")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/upload/<upload_id>")
def show(upload_id: str) -> tuple[str, int]:
    upload, _ = _owned(upload_id, "view")
    _store().recover(upload, _jobs())
    return _report_page(upload)


@bp.route("/upload/<upload_id>/columns", methods=["GET", "POST"])
def columns(upload_id: str) -> ResponseReturnValue:
    """The column-mapping screen: proposals with confidence, value mappings, the layout; the
    choices go into the upload's manifest (kept for the next update) and it is checked again."""
    from tsunagu.services.mapping import mapping_screen, save_choices

    upload, _ = _owned(upload_id, "upload")
    if upload.pending:
        return redirect(url_for("upload.show", upload_id=upload.id), 303)
    if request.method == "POST":
        screen = mapping_screen(upload.manifest_path, web().settings)
        chosen: dict[str, str | None] = {}
        values: dict[str, dict[str, str]] = {}
        for i, row in enumerate(screen.columns):
            target = request.form.get(f"col-{i}", "")
            if target == "-":
                chosen[row.column] = None  # left out on purpose
            elif target in screen.fields:
                chosen[row.column] = target  # a tampered name is ignored, not saved
            for j, (value, _count, _guess) in enumerate(row.values):
                picked = request.form.get(f"val-{i}-{j}", "")
                if picked in screen.enums.get(target, ()):
                    values.setdefault(row.column, {})[value] = picked
        layout = request.form.get("layout", screen.layout)
        layout = layout if layout in screen.layouts else screen.layout  # tampered: kept as is
        save_choices(upload.manifest_path, chosen, values, layout)
        _store().queue_processing(upload, _jobs())
        return redirect(url_for("upload.show", upload_id=upload.id), 303)
    try:
        screen = mapping_screen(upload.manifest_path, web().settings)
    except TsunaguError:  # a file that is not a table: its report already says why
        return redirect(url_for("upload.show", upload_id=upload.id), 303)
    return render_template(
        "upload_columns.html",
        upload=upload,
        screen=screen,
        layouts=screen.layouts,
        form=FlaskForm(),
    )


@bp.get("/upload/<upload_id>/status")
def status(upload_id: str) -> Response:
    """The job's state and the steps done, for the page's progress display (polled)."""
    upload, _ = _owned(upload_id, "view")
    _store().recover(upload, _jobs())
    response = jsonify(
        state=upload.state,
        pending=upload.pending,
        progress=list(upload.status.get("progress") or []),
        steps=list(STEPS),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/upload/<upload_id>/<any('report.html', 'report.xlsx'):name>")
def report_file(upload_id: str, name: str) -> Response:
    upload, _ = _owned(upload_id, "view")
    kind = "report-html" if name.endswith(".html") else "report-xlsx"
    path = upload.artifact(kind)
    if path is None:
        return Response(status=404)
    download = f"{upload.status['dataset_id']}-{name}"
    return send_file(path, as_attachment=kind == "report-xlsx", download_name=download)


@bp.post("/upload/<upload_id>/publish")
def publish(upload_id: str) -> ResponseReturnValue:
    upload, principal = _owned(upload_id, "publish")
    actor = f"department:{principal.department}"
    confirmed = request.form.get("confirm_loss") == "yes"
    try:
        _store().queue_publish(upload, _jobs(), web().catalogue, actor=actor, confirmed=confirmed)
    except LossNotConfirmed:
        return _report_page(upload, 409, refused=True)
    return redirect(url_for("upload.show", upload_id=upload.id), 303)


@bp.post("/upload/<upload_id>/accept-schema")
def accept_schema(upload_id: str) -> ResponseReturnValue:
    """The web's ``publish --accept-schema``: the department confirms its file's new shape; the
    upload is checked again with the drift accepted, audited with who accepted it."""
    upload, principal = _owned(upload_id, "upload")
    if request.form.get("confirm_schema") != "yes":
        return _report_page(upload, 409, schema_refused=True)
    actor = f"department:{principal.department}"
    _store().queue_accept_schema(upload, _jobs(), actor=actor)
    return redirect(url_for("upload.show", upload_id=upload.id), 303)


@bp.post("/upload/<upload_id>/confirm-schema")
def confirm_schema(upload_id: str) -> ResponseReturnValue:
    """A new dataset's inferred schema, confirmed by its department: written beside the
    upload's manifest as the contract, then the file is checked against it; unconfirmed,
    nothing is written and nothing can be published."""
    upload, principal = _owned(upload_id, "upload")
    if request.form.get("confirm_schema") != "yes":
        return _report_page(upload, 409, confirm_refused=True)
    actor = f"department:{principal.department}"
    _store().confirm_schema(upload, _jobs(), actor=actor)
    return redirect(url_for("upload.show", upload_id=upload.id), 303)


def _safe_next() -> str:
    """Only a path of this site below /upload; anything else (another host, a scheme, a
    backslash or a control character such as CR/LF that would split the Location header)
    falls back to the upload page."""
    target = request.args.get("next", "")
    parts = urlsplit(target)
    unsafe = any(ord(c) < 0x20 or c in "\\\x7f" for c in target)
    if target.startswith("/upload") and not parts.netloc and not parts.scheme and not unsafe:
        return target
    return url_for("upload.index")


@bp.route("/upload/signin", methods=["GET", "POST"])
def signin() -> ResponseReturnValue:
    form = SignInForm()
    client = auth.client_address()
    if request.method == "POST":
        token = (form.token.data or "").strip()
        bucket = auth.limiter_keys(client, token)
        wait = auth.limiter().retry_after(bucket)
        if wait:
            page = render_template("signin.html", form=form, locked=True)
            return page, 429, {"Retry-After": str(wait)}
        if form.validate_on_submit():
            record = auth.token_store().verify(token)
            if record is not None:
                auth.limiter().clear(bucket)
                auth.sign_in(record)
                auth.audit("sign-in", f"department:{record.department}", token_id=record.id)
                return redirect(_safe_next(), 303)
        auth.limiter().fail(bucket)
        token_id = bucket.partition("|")[2] or None
        auth.audit("sign-in-failed", "anonymous", client=client, token_id=token_id)
        return render_template("signin.html", form=form, failed=True), 401
    return render_template("signin.html", form=form)


@bp.post("/upload/signout")
def signout() -> ResponseReturnValue:
    principal = auth.current_principal()
    auth.sign_out()
    if principal is not None:
        actor = f"department:{principal.department}"
        auth.audit("sign-out", actor, token_id=principal.token_id)
    return redirect(url_for("catalogue.home"), 303)
