"""``repro fetch``: stage every model and dataset a figure needs, at its pinned revision, so that
later runs need no network.

    models         huggingface_hub.snapshot_download(name, revision) of the weights, config and
                   tokenizer files (not the original/ .pth copies), into the HF cache
    hub datasets   the repository snapshot, then datasets.load_dataset(...) once, so the offline
                   loader (repro.assets.datasets) finds its prepared copy
    url files      the file at its pinned commit (or its pinned release, gzipped), written to
                   REPRO_DATA_DIR only if its sha256 matches

Every fetched hub file is checked against the hub's own checksums (sha256 for LFS files, the git
blob sha1 for the others). A gated asset the user has no access to gets one line on how to get it.
An asset whose revision could not be pinned from the build machine is fetched at the hub's current
revision, and the revision to pin is printed. The dry run (``plan``) needs no network: it reads
revisions and sizes from the registry and looks for each asset in the local caches.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from repro.assets import registry
from repro.assets.datasets import staged_path
from repro.errors import ReproError
from repro.specs import DatasetSpec, ModelSpec

MODEL_FILES = ["*.json", "*.safetensors", "*.jinja", "*.txt", "*.model", "*.tiktoken"]
RAW_BASE_ENV = "REPRO_RAW_BASE"  # where url assets are read from: owner/repo/<commit>/<path> below it
RAW_BASE = "https://raw.githubusercontent.com"


@dataclass(frozen=True)
class Asset:
    spec: ModelSpec | DatasetSpec

    @property
    def kind(self) -> str:
        return "model" if isinstance(self.spec, ModelSpec) else "dataset"

    @property
    def name(self) -> str:
        config = getattr(self.spec, "config", None)
        return f"{self.spec.name} ({config})" if config else self.spec.name

    @property
    def source(self) -> str:
        return self.spec.source

    @property
    def pinned(self) -> bool:
        return self.spec.revision != registry.UNPINNED

    @property
    def hub_url(self) -> str:
        return f"https://huggingface.co/{'datasets/' if self.kind == 'dataset' else ''}{self.spec.name}"

    @property
    def size(self) -> tuple[int, str] | None:
        return registry.asset_size(self.spec)

    def access_hint(self) -> str:
        """The one line a user without access to a gated asset needs."""
        return (f"{self.spec.name} is gated: open {self.hub_url} while logged in, accept its terms and wait for "
                "approval, then `hf auth login` (or export HF_TOKEN) and rerun `repro fetch`")


@dataclass(frozen=True)
class Fetched:
    asset: Asset
    revision: str  # the commit actually staged
    path: Path
    files: int
    bytes: int
    verified: int  # files checked against the hub's checksums (or the pinned sha256)


def assets_of(*roots) -> list[Asset]:
    """The hub and url assets that ``roots`` (recipes, specs) reference, each once, in order."""
    found: dict[tuple, Asset] = {}

    def walk(obj) -> None:
        if isinstance(obj, (list, tuple)):
            for x in obj:
                walk(x)
            return
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            return
        if isinstance(obj, ModelSpec) and obj.source == "hub" or isinstance(obj, DatasetSpec) and obj.source in (
                "hub", "url"):
            key = (type(obj).__name__, obj.name, obj.revision, getattr(obj, "config", None))
            # Row limits do not change what is fetched: keep the first spec seen.
            found.setdefault(key, Asset(dataclasses.replace(obj, limit=None) if isinstance(obj, DatasetSpec) else obj))
            return
        for f in dataclasses.fields(obj):
            walk(getattr(obj, f.name))

    for root in roots:
        walk(root)
    return list(found.values())


def registry_assets() -> list[Asset]:
    """Every model and dataset pinned in repro/assets/registry.py."""
    return assets_of([v for v in vars(registry).values() if isinstance(v, (ModelSpec, DatasetSpec))])


def human(n: int | None) -> str:
    if n is None:
        return "?"
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return str(n)


# --- offline: where each asset stands -----------------------------------------------------------
def cached_path(asset: Asset) -> Path | None:
    """The asset's staged copy on this machine, found without network; None if absent."""
    spec = asset.spec
    if asset.source == "url":
        path = staged_path(spec)
        return path if path.is_file() and _sha256(path) == spec.sha256 else None
    from huggingface_hub import snapshot_download

    try:
        return Path(snapshot_download(spec.name, revision=spec.revision if asset.pinned else None,
                                      repo_type=asset.kind, local_files_only=True,
                                      allow_patterns=MODEL_FILES if asset.kind == "model" else None))
    except Exception:  # not in the cache (LocalEntryNotFoundError and relatives)
        return None


def plan(assets: list[Asset]) -> list[dict]:
    """One row per asset for the dry run: what would be fetched, its revision, size and state."""
    rows = []
    for a in assets:
        size = a.size
        rows.append({
            "kind": a.kind, "name": a.name, "source": a.source,
            "revision": a.spec.revision, "size_bytes": size[0] if size else None,
            "size_source": size[1] if size else "not recorded in repro/assets/registry.py",
            "gated": a.spec.gated, "access": a.access_hint() if a.spec.gated else None,
            "state": "staged" if cached_path(a) else "missing",
        })
    return rows


# --- online: stage and verify -------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 24), b""):
            h.update(chunk)
    return h.hexdigest()


def _git_blob_sha1(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def verify_snapshot(path: Path, siblings) -> int:
    """Check every fetched file of a snapshot against the hub's checksums; return how many."""
    checked = 0
    for sib in siblings:
        local = path / sib.rfilename
        if not local.is_file():
            continue  # not among the files fetched
        lfs = sib.lfs.get("sha256") if isinstance(sib.lfs, dict) else getattr(sib.lfs, "sha256", None)
        ok = _sha256(local) == lfs if lfs else (sib.blob_id is None or _git_blob_sha1(local) == sib.blob_id)
        if not ok:
            raise ReproError(f"{local} does not match the hub's checksum for {sib.rfilename}",
                             "delete that snapshot from the HF cache and run `repro fetch` again")
        checked += 1
    return checked


def _tree_size(path: Path) -> tuple[int, int]:
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _fetch_hub(asset: Asset) -> Fetched:
    from huggingface_hub import HfApi, snapshot_download

    spec = asset.spec
    revision = spec.revision if asset.pinned else None  # None: the hub's current revision, to be pinned
    path = Path(snapshot_download(spec.name, revision=revision, repo_type=asset.kind,
                                  allow_patterns=MODEL_FILES if asset.kind == "model" else None))
    resolved = path.name  # snapshot folders are named by commit
    api = HfApi()
    info = (api.model_info if asset.kind == "model" else api.dataset_info)(spec.name, revision=resolved,
                                                                            files_metadata=True)
    verified = verify_snapshot(path, info.siblings or [])
    if asset.kind == "dataset":
        import datasets

        datasets.load_dataset(spec.name, spec.config, split=spec.split, revision=revision)
    files, size = _tree_size(path)
    return Fetched(asset, resolved, path, files, size, verified)


def _download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=300) as r:
        return r.read()


def _fetch_url(asset: Asset) -> Fetched:
    """A file at a pinned commit (raw file) or a pinned release (gzipped asset, registry.RELEASE_ASSETS)."""
    spec = asset.spec
    release = release_assets().get(spec.name)
    if release:  # a gzipped release asset: check the download, then the decompressed file
        url, gz_sha256 = release
        packed = _download(url)
        if hashlib.sha256(packed).hexdigest() != gz_sha256:
            raise ReproError(f"{url} does not match its pinned sha256", "nothing was written; check the release pin "
                             "in repro/assets/registry.py")
        data = gzip.decompress(packed)
    else:
        repo, _, rel = spec.name.partition(":")
        url = f"{os.environ.get(RAW_BASE_ENV, RAW_BASE).rstrip('/')}/{repo}/{spec.revision}/{rel}"
        data = _download(url)
    digest = hashlib.sha256(data).hexdigest()
    if spec.sha256 and digest != spec.sha256:
        raise ReproError(f"{url} has sha256 {digest[:16]}..., not the pinned {spec.sha256[:16]}...",
                         "nothing was written; check the pinned commit and sha256 in repro/assets/registry.py")
    dest = staged_path(spec)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", dir=dest.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, dest)
    return Fetched(asset, spec.revision, dest, 1, len(data), 1 if spec.sha256 else 0)


def release_assets() -> dict[str, tuple[str, str]]:
    """url datasets published as gzipped release assets: name -> (download URL, sha256 of the .gz)."""
    return getattr(registry, "EVALPLUS_RELEASES", {})


def explain_failure(asset: Asset, exc: Exception) -> str:
    """One line for a failed fetch: how to get access to a gated asset, else what went wrong."""
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    if isinstance(exc, ReproError):
        return str(exc)
    if isinstance(exc, GatedRepoError) or asset.spec.gated and isinstance(exc, RepositoryNotFoundError):
        return asset.access_hint()
    if isinstance(exc, RepositoryNotFoundError):
        return f"{asset.spec.name} was not found on the hub (or is private) -- check the name in repro/assets/registry.py"
    first = (str(exc).strip().splitlines() or [""])[0][:160]
    return (f"{asset.name} could not be fetched ({type(exc).__name__}: {first}) -- run `repro fetch` on a machine "
            "with access to huggingface.co and copy its HF cache (HF_HOME) and REPRO_DATA_DIR here")


def check_online() -> None:
    for env in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        if os.environ.get(env, "0").lower() in ("1", "true", "yes", "on"):
            raise ReproError(f"{env} is set, and fetching needs the network",
                             "run `HF_HUB_OFFLINE=0 HF_DATASETS_OFFLINE=0 repro fetch ...` "
                             "(in the container: add -e HF_HUB_OFFLINE=0 -e HF_DATASETS_OFFLINE=0)")


def fetch_one(asset: Asset) -> Fetched:
    return _fetch_url(asset) if asset.source == "url" else _fetch_hub(asset)


def fetch_all(assets: list[Asset], on_result=None) -> tuple[list[Fetched], list[tuple[Asset, str]]]:
    """Stage every asset; one failure (no access, no network) does not stop the others.
    ``on_result(asset, fetched_or_None, failure_line_or_None)`` reports each as it ends."""
    check_online()
    done, failed = [], []
    for asset in assets:
        try:
            result = fetch_one(asset)
        except Exception as exc:  # reported per asset, as one line; the rest still get staged
            line = explain_failure(asset, exc)
            failed.append((asset, line))
            if on_result:
                on_result(asset, None, line)
            continue
        done.append(result)
        if on_result:
            on_result(asset, result, None)
    return done, failed
