"""Loading settings from ``cleaner.toml`` or ``pyproject.toml`` (``[tool.cleaner]``).

Configuration is discovered the way ruff and black discover theirs: starting
from the checked paths (or the current directory) cleaner walks up the
folder tree and takes the first ``cleaner.toml``, or the first
``pyproject.toml`` that has a ``[tool.cleaner]`` table.  ``--config FILE``
names one explicitly.

Keys may be written in kebab-case or snake_case::

    [tool.cleaner]
    select = ["H", "U", "W"]          # codes, code prefixes or names; "ALL"
    extend-select = ["B001"]
    ignore = ["W005"]
    fail-on = "warning"                # cleaner check: exit 1 from this severity up
    output-format = "github"           # cleaner check's default output format

    [tool.cleaner.per-file-ignores]
    "legacy/*.txt" = ["B"]             # globs; one without "/" matches a file name anywhere

    [tool.cleaner.severity]
    W = "warning"                      # code, prefix or name -> info | warning | error

    [tool.cleaner.rules.B002]          # a rule's own options (code or name)
    min-documents = 3

Every key of :class:`cleaner.config.Config` is accepted, so settings added to
the configuration later need no change here.  A mistake (an unknown key, a
selector that names no rule, a bad severity) raises :class:`SettingsError`
with the file and the key, which the command line reports with exit code 2.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.config import Config, selector_matches
from cleaner.model import SEVERITIES
from cleaner.registry import all_rules, get_rule

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_NAMES = ("cleaner.toml", "pyproject.toml")
FAIL_ON = (*SEVERITIES, "never")

#: Keys that belong to ``cleaner check`` rather than to :class:`Config`.
CHECK_KEYS = {"fail_on": "error", "output_format": None}


class SettingsError(ValueError):
    """The configuration is invalid (reported with exit code 2)."""


@dataclass
class Settings:
    """The resolved configuration and where it came from.

    ``config`` drives the rules; ``fail_on`` and ``output_format`` are the
    defaults of ``cleaner check`` (command-line options win); ``source`` is
    the file the settings were read from (``None``: built-in defaults).
    """

    config: Config = field(default_factory=Config)
    fail_on: str = "error"
    output_format: str | None = None
    source: Path | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": str(self.source) if self.source else None,
            "fail_on": self.fail_on,
            "output_format": self.output_format,
            "config": self.config.to_json(),
            "config_sha256": self.config.sha256(),
        }


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"{path}: not valid TOML: {exc}") from None


def table_of(path: Path) -> dict[str, Any] | None:
    """The cleaner settings table of *path*, or ``None`` when it has none.

    ``cleaner.toml`` holds the settings at its top level (a ``[tool.cleaner]``
    table is accepted too); ``pyproject.toml`` holds them in ``[tool.cleaner]``.
    """
    data = _read_toml(path)
    tool = data.get("tool", {})
    if isinstance(tool, dict) and "cleaner" in tool:
        table = tool["cleaner"]
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: [tool.cleaner] must be a table")
        return table
    if path.name == "pyproject.toml":
        return None
    return {k: v for k, v in data.items() if k != "tool"}


def discover(paths: list[str] | tuple[str, ...] | None = None) -> Path | None:
    """The settings file for *paths*: the nearest one found walking upward.

    The search starts at the first existing path (its folder, for a file) or
    at the current directory, and in each folder prefers ``cleaner.toml``
    over a ``pyproject.toml`` with a ``[tool.cleaner]`` table.
    """
    start = Path.cwd()
    for p in paths or ():
        candidate = Path(p)
        if candidate.exists():
            start = candidate if candidate.is_dir() else candidate.parent
            break
    start = start.resolve()
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            f = folder / name
            if f.is_file() and table_of(f) is not None:
                return f
    return None


def _snake(key: str) -> str:
    return key.replace("-", "_")


def _check_selectors(selectors: Any, where: str) -> list[str]:
    if isinstance(selectors, str):
        selectors = [selectors]
    if not isinstance(selectors, list) or not all(isinstance(s, str) for s in selectors):
        raise SettingsError(f"{where}: expected a list of rule codes, prefixes or names")
    rules = all_rules()
    out = []
    for s in selectors:
        s = s.strip()
        if not s:
            continue
        if not any(selector_matches(s, r) for r in rules):
            raise SettingsError(f"{where}: {s!r} matches no rule (see `cleaner rules`)")
        out.append(s)
    return out


def split_selectors(values: tuple[str, ...] | list[str] | None) -> list[str]:
    """``("H001,W", "B")`` → ``["H001", "W", "B"]`` (command-line lists)."""
    return [s.strip() for v in values or () for s in v.split(",") if s.strip()]


def _expand_to_codes(selector: str) -> list[str]:
    return [r.code for r in all_rules() if selector_matches(selector, r)]


def _anchor(pattern: str, base: Path | None) -> str | None:
    """*pattern* (relative to the settings file's folder) as seen from the current directory."""
    if base is None or pattern.startswith(("*", "/")):
        return None
    cwd = Path.cwd().resolve()
    if base == cwd:
        return None
    try:
        prefix = base.relative_to(cwd).as_posix()
    except ValueError:
        prefix = base.as_posix()
    return f"{prefix}/{pattern}"


def _per_file_ignores(table: Any, where: str) -> dict[str, list[str]]:
    """Globs → selectors.  A glob is matched against the document's path.

    ``clean`` names documents relative to the folder given; a glob without
    ``/`` matches a file name in any folder.  (``check`` names them relative
    to the current directory and adds copies anchored at the settings file's
    folder: :func:`anchor_per_file_ignores`.)  The result does not depend on
    the working directory, so neither does :meth:`Config.sha256`.
    """
    if not isinstance(table, dict):
        raise SettingsError(f"{where}: expected a table of glob = [selectors]")
    out: dict[str, list[str]] = {}
    for pattern, selectors in table.items():
        sels = _check_selectors(selectors, f"{where}.{pattern!r}")
        variants = [pattern]
        if "/" not in pattern and not pattern.startswith("*"):
            variants.append("*/" + pattern)  # a bare file-name glob matches that name in any folder
        for v in variants:
            out.setdefault(v, []).extend(s for s in sels if s not in out.get(v, []))
    return out


def anchor_per_file_ignores(settings: Settings) -> Settings:
    """Add copies of the per-file-ignores globs as seen from the current directory.

    Globs in a settings file are relative to its folder; ``cleaner check``
    shows paths relative to the current directory, so ``legacy/*.txt`` in
    ``corpus/cleaner.toml`` must also match ``corpus/legacy/a.txt``.
    """
    if settings.source is None:
        return settings
    base = settings.source.parent
    cfg = settings.config
    extra: dict[str, list[str]] = {}
    for pattern, selectors in cfg.per_file_ignores.items():
        anchored = _anchor(pattern, base)
        if anchored and anchored not in cfg.per_file_ignores:
            extra.setdefault(anchored, []).extend(selectors)
    cfg.per_file_ignores = {**cfg.per_file_ignores, **extra}
    return settings


def _severity(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise SettingsError(f"{where}: expected a table of selector = severity")
    out: dict[str, str] = {}
    for sel, level in table.items():
        if level not in SEVERITIES:
            raise SettingsError(f"{where}.{sel}: severity must be one of {', '.join(SEVERITIES)}, not {level!r}")
        codes = _expand_to_codes(sel)
        if not codes:
            raise SettingsError(f"{where}: {sel!r} matches no rule (see `cleaner rules`)")
        for code in codes:
            out[code] = level
    return out


def _rule_options(table: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict):
        raise SettingsError(f"{where}: expected a table of rule = {{option = value}}")
    out: dict[str, dict[str, Any]] = {}
    for key, opts in table.items():
        r = get_rule(key)
        if r is None:
            raise SettingsError(f"{where}: no rule {key!r} (see `cleaner rules`)")
        if not isinstance(opts, dict):
            raise SettingsError(f"{where}.{key}: expected a table of options")
        out.setdefault(r.code, {}).update({_snake(k): v for k, v in opts.items()})
    return out


def apply_table(settings: Settings, table: dict[str, Any], where: str) -> Settings:
    """Apply one settings *table* (as read from TOML) to *settings*, validating it."""
    fields = {f.name: f for f in dataclasses.fields(Config)}
    cfg = settings.config
    for raw_key, value in table.items():
        key = _snake(raw_key)
        here = f"{where}: {raw_key}"
        if key in ("select", "extend_select", "ignore"):
            setattr(cfg, key, _check_selectors(value, here))
        elif key == "per_file_ignores":
            cfg.per_file_ignores = _per_file_ignores(value, here)
        elif key == "severity":
            cfg.severity = _severity(value, here)
        elif key in ("rule_options", "rules"):
            cfg.rule_options = _rule_options(value, here)
        elif key == "fail_on":
            if value not in FAIL_ON:
                raise SettingsError(f"{here}: must be one of {', '.join(FAIL_ON)}, not {value!r}")
            settings.fail_on = value
        elif key == "output_format":
            from cleaner.formats import FORMATS

            if value not in FORMATS:
                raise SettingsError(f"{here}: must be one of {', '.join(FORMATS)}, not {value!r}")
            settings.output_format = value
        elif key in fields:
            default = getattr(Config(), key)
            if isinstance(default, bool) and not isinstance(value, bool):
                raise SettingsError(f"{here}: expected true or false")
            if isinstance(default, dict) and not isinstance(value, dict):
                raise SettingsError(f"{here}: expected a table")
            if isinstance(default, list) and not isinstance(value, list):
                raise SettingsError(f"{here}: expected a list")
            if isinstance(default, (int, float)) and not isinstance(default, bool) and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise SettingsError(f"{here}: expected a number")
            setattr(cfg, key, value)
        else:
            known = sorted({*(k.replace("_", "-") for k in fields), "fail-on", "output-format", "rules"})
            raise SettingsError(f"{here}: unknown setting (known: {', '.join(known)})")
    return settings


def load_settings(
    paths: list[str] | tuple[str, ...] | None = None,
    *,
    config_file: str | os.PathLike | None = None,
    isolated: bool = False,
) -> Settings:
    """Resolve the settings for a run over *paths*.

    *config_file* names the file to use (no discovery); *isolated* ignores
    every settings file and returns the built-in defaults.
    """
    if isolated:
        return Settings()
    if config_file is not None:
        path = Path(config_file)
        if not path.is_file():
            raise SettingsError(f"{path}: no such settings file")
        table = table_of(path)
        if table is None:
            raise SettingsError(f"{path}: has no [tool.cleaner] table")
    else:
        found = discover(paths)
        if found is None:
            return Settings()
        path, table = found, table_of(found) or {}
    settings = Settings(source=path.resolve())
    return apply_table(settings, table, str(path))


def override(
    settings: Settings,
    *,
    select: list[str] | None = None,
    extend_select: list[str] | None = None,
    ignore: list[str] | None = None,
    severity: dict[str, str] | None = None,
) -> Settings:
    """Apply command-line selections on top of file settings (as ruff does).

    ``select`` replaces the file's selection; ``extend_select`` and
    ``ignore`` add to it; ``severity`` (selector → level) overrides it.
    """
    cfg = settings.config
    if select:
        cfg.select = _check_selectors(select, "--select")
        cfg.extend_select = []
    if extend_select:
        cfg.extend_select = [*cfg.extend_select, *_check_selectors(extend_select, "--extend-select")]
    if ignore:
        cfg.ignore = [*cfg.ignore, *_check_selectors(ignore, "--ignore")]
    if severity:
        cfg.severity = {**cfg.severity, **_severity(severity, "--severity")}
    return settings
