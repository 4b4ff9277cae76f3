"""``cdmx publish``: one night for every agency of a configuration, then the publication built from the store.

1. For each agency: take its lock (runs for different agencies may overlap; two for one agency may not),
   and its night: an interrupted night is resumed with its own date and time, so that a run killed at
   any point and run again gives what one uninterrupted run gives; a night already stored is not
   converted again.
2. Convert every agency's files (agencies in parallel, one worker each).
3. For each agency: compare with the store, validate the night's releases, store the night in one
   transaction (:mod:`.night`). An agency that fails stores only its failure; the others go on.
4. Build the publication from the store and switch it in (:mod:`.build`), then mark the nights done.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ..conversion.mapping import load as load_mapping
from ..core.errors import CdmxError, ConfigError, InputError, MappingError, StoreError
from ..core.findings import Findings
from ..core.options import PublishOptions, with_fields
from ..io.workers import WorkerPool, default_jobs
from .build import Builder, state_dir
from .changes import format_date, parse_date
from .config import Agency, Config, load
from .locks import LockBusy
from .night import AgencyNight, convert_agency, scratch_dir
from .results import BUSY, FAILED, AgencyResult, PublishResult
from .store import Store, is_postgresql


def _agency_of(agency: Agency) -> tuple[str, str] | None:
    """The configuration's agency (name, key) for a mapping that names none (a generic format's), so that
    its releases have their buyer, as ``cdmx convert --agency NAME --agency-key KEY`` gives; None when
    the mapping is an agency's own, or cannot be read (the comparison reports that)."""
    try:
        named = load_mapping(agency.mapping).data.get("agency")
    except MappingError:
        return None
    return None if named else (agency.name, agency.key)


def _given_night(requested: str) -> str:
    parsed = parse_date(requested)
    if parsed is None:
        raise InputError("night_invalid", "--night", value=requested)
    return format_date(parsed)


def _nights_of(store: Store, agency: str) -> set[str]:
    return {n["night"] for n in store.nights() if n["agency"] == agency}


def _new_night(requested: str | None, timezone: str, store: Store, agency: str) -> str:
    """The date and time of a new night: the one asked for, else now; a second later while it is taken."""
    if requested is not None:
        parsed = parse_date(requested)
        if parsed is None:
            raise InputError("night_invalid", "--night", value=requested)
    else:
        parsed = datetime.now(ZoneInfo(timezone)).replace(microsecond=0)
    night = format_date(parsed)
    while store.night_exists(agency, night):  # a night of the same second: the next one
        parsed += timedelta(seconds=1)
        night = format_date(parsed)
    return night


def publish(
    config: str | os.PathLike | Config,
    options: PublishOptions | None = None,
    *,
    progress: Callable[[str, str], None] | None = None,
    **fields: Any,
) -> PublishResult:
    """Run one night of the publication that ``config`` (a ``publicacion.yaml`` path or a loaded
    :class:`~ocds_cdmx.publishing.config.Config`) describes.

    ``options`` (or its fields as keyword arguments) are a :class:`~ocds_cdmx.core.options.PublishOptions`:
    ``agencies`` to publish only some, ``dry_run`` to say what would change and write nothing,
    ``rebuild`` to regenerate every output from the store alone, ``night`` to give the night's date and
    time. ``progress(agency, phase)`` hears of each step. The result's ``exit_code`` is 0 (fine), 1 (an
    agency failed or its data has errors: the others published) or 2 (the configuration, the store or the
    output cannot be used: the previous publication is intact).
    """
    options = with_fields(PublishOptions, options, fields)
    result = PublishResult(findings=Findings(options.max_locations), dry_run=options.dry_run, rebuild=options.rebuild)
    try:
        config = config if isinstance(config, Config) else load(config)
    except ConfigError as e:
        result.input_errors.append(e)
        return result
    result.output = config.output
    tell = progress or (lambda agency, phase: None)
    jobs = default_jobs() if options.jobs is None else max(1, options.jobs)
    wanted = config.agencies
    if options.agencies is not None:
        unknown = sorted(set(options.agencies) - {a.key for a in config.agencies})
        if unknown:
            known = ", ".join(a.key for a in config.agencies)
            result.input_errors.append(
                InputError("agency_unknown", config.source, agencies=", ".join(unknown), known=known)
            )
            return result
        wanted = tuple(a for a in config.agencies if a.key in options.agencies)
    # Scratch files (the conversions, tonight's package) go beside the publication, on its disk, unless
    # nothing may be written there.
    work = None if options.dry_run else state_dir(config.output) / "work"
    if work is not None:
        try:
            work.mkdir(parents=True, exist_ok=True)
        except OSError:
            work = None
    with tempfile.TemporaryDirectory(prefix="night-", dir=work) as scratch:
        url = config.store
        if options.dry_run and not is_postgresql(url) and not Path(url).exists():
            url = os.path.join(scratch, "empty.sqlite")  # nothing published yet: compare with nothing
        try:
            store = Store.open(url)
        except StoreError as e:
            result.input_errors.append(e)
            return result
        try:
            with store:
                if options.rebuild:
                    _build(config, store, options, jobs, result, tell, rebuild=True)
                    return result
                _night(config, wanted, store, options, jobs, scratch, result, tell)
        except CdmxError as e:  # the store, the output, the schemas: nothing more can be done tonight
            result.input_errors.append(e)
    return result


def _night(
    config: Config, wanted: tuple, store: Store, options: PublishOptions, jobs: int, scratch: str,
    result: PublishResult, tell: Callable[[str, str], None],
) -> None:  # fmt: skip
    todo = []
    for agency in wanted:
        outcome = AgencyResult(agency.key, agency.name, findings=Findings(options.max_locations))
        result.agencies.append(outcome)
        try:
            store.lock_agency(agency.key)
        except LockBusy:
            outcome.status = BUSY
            continue
        unfinished = store.unfinished_night(agency.key)
        if unfinished is not None and unfinished[1] == "stored":
            outcome.night, outcome.already_stored, outcome.resumed = unfinished[0], True, True
            _stored_counts(store, outcome)
            continue
        if unfinished is not None:
            night, outcome.resumed = unfinished[0], True
        elif options.night is not None and _given_night(options.night) in _nights_of(store, agency.key):
            # That night was published already: running it again changes nothing.
            outcome.night, outcome.already_stored = _given_night(options.night), True
            _stored_counts(store, outcome)
            continue
        else:
            night = _new_night(options.night, config.timezone, store, agency.key)
        outcome.night = night
        if not options.dry_run:
            store.open_night(agency.key, night)
        outcome.files = agency.files()
        todo.append((agency, outcome, night))
    tasks = []
    for agency, outcome, night in todo:
        tell(agency.key, "convert")
        folder = scratch_dir(scratch, agency.key)
        # One file group (so one conversion of each process): the processes whose rows did not change
        # since they were last published are not built again.
        known = store.fingerprints(agency.key) if len(outcome.files) == 1 else None
        tasks.append((outcome.files, agency.mapping, folder, night, options.schema_dir, options.offline,
                      options.max_locations, known, _agency_of(agency)))  # fmt: skip
    with WorkerPool(min(jobs, len(tasks)) if tasks else 1, lazy=True) as pool:
        converted = list(pool.map_ordered(convert_agency, iter(tasks)))
    for (agency, outcome, night), conversions in zip(todo, converted, strict=True):
        tell(agency.key, "compare")
        try:
            mapping = load_mapping(agency.mapping)
        except MappingError as e:
            outcome.input_errors.append(e)
            outcome.status, outcome.problems = FAILED, ["files_unreadable"]
            mapping = None
        work = AgencyNight(config, agency, mapping, store, outcome, scratch_dir(scratch, agency.key),
                           options.schema_dir, options.offline, options.max_locations, options.jobs)  # fmt: skip
        paths = None
        if mapping is not None:
            outputs = work.take_conversions(conversions)
            if outcome.status != FAILED:
                try:
                    paths = work.compare(outputs, night)
                except CdmxError as e:  # a schema that is missing, an output that cannot be read back
                    outcome.input_errors.append(e)
                    work.fail("files_unreadable")
            if outcome.status != FAILED and paths is not None:
                tell(agency.key, "validate")
                work.check(paths[0], night)
        if not options.dry_run:
            tell(agency.key, "store")
            work.save(night, paths)
    if options.dry_run:
        return
    _build(config, store, options, jobs, result, tell, rebuild=False)
    store.finish_nights([(a.key, a.night) for a in result.agencies if a.status != BUSY and a.night])


def _stored_counts(store: Store, outcome: AgencyResult) -> None:
    """The counts of a night that an interrupted run had stored."""
    for night in store.nights():
        if night["agency"] == outcome.key and night["night"] == outcome.night:
            outcome.status = night["status"]
            for name, value in night["summary"].get("counts", {}).items():
                setattr(outcome, name, value)
            outcome.problems = list(night["summary"].get("problems", []))


def _build(
    config: Config, store: Store, options: PublishOptions, jobs: int, result: PublishResult,
    tell: Callable[[str, str], None], *, rebuild: bool,
) -> None:  # fmt: skip
    tell("", "build")
    builder = Builder(config, store, schema_dir=options.schema_dir, offline=options.offline, jobs=jobs, rebuild=rebuild)
    built = builder.build()
    result.built = built is not None
    result.build = built or _current_build(config)
    result.files_written = builder.written
    result.files_kept = builder.kept


def _current_build(config: Config) -> str | None:
    output = Path(config.output)
    if output.is_symlink():
        return str((output.parent / os.readlink(output)).resolve())
    return None


__all__ = ["publish", "state_dir"]
