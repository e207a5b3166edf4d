"""A file-based fake of the Hub for tests: repos with branches, commits and PRs in a local folder.

Why not a mock that records calls: loading must be tested end to end, so the fake keeps what was
uploaded and "downloads" it into the real ``huggingface_hub`` cache layout (``blobs/``,
``snapshots/<commit>/`` links, ``refs/<branch>``). Afterwards the real ``snapshot_download`` finds the
snapshot offline exactly as it would after a real download, which is how the offline tests use it.
Nothing here opens a socket.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class FakeCommit:
    oid: str
    files: dict[str, bytes]
    message: str
    description: str


@dataclass
class FakeRepo:
    repo_type: str
    private: bool | None
    branches: dict[str, str] = field(default_factory=dict)  # branch -> commit oid
    commits: dict[str, FakeCommit] = field(default_factory=dict)
    pulls: list[str] = field(default_factory=list)  # commit oid of each PR (refs/pr/<n>, n from 1)


@dataclass
class FakeCommitInfo:
    commit_url: str
    oid: str
    pr_url: str | None = None


class FakeHub:
    """The ``HfApi`` methods the package calls, plus a ``snapshot_download`` that fills the real cache."""

    def __init__(self, cache_dir: Path) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.cache_dir = Path(cache_dir)
        self.downloaded: list[str] = []  # every file fetched, as "repo_id:path"

    # ------------------------------------------------------------------ HfApi
    def create_repo(self, repo_id: str, *, repo_type: str | None = None, exist_ok: bool = False, **kwargs):
        if repo_id in self.repos:
            if not exist_ok:
                raise FileExistsError(repo_id)
            return f"https://hub.fake/{repo_id}"
        repo = FakeRepo(repo_type or "model", kwargs.get("private"))
        initial = self._commit(repo, {".gitattributes": b"*.parquet filter=lfs\n"}, "initial commit", "")
        repo.branches["main"] = initial.oid
        self.repos[repo_id] = repo
        return f"https://hub.fake/{repo_id}"

    def create_branch(self, repo_id: str, *, branch: str, repo_type: str | None = None, exist_ok=False, **_):
        repo = self._repo(repo_id, repo_type)
        if branch in repo.branches and not exist_ok:
            raise FileExistsError(branch)
        repo.branches.setdefault(branch, repo.branches["main"])

    def upload_folder(
        self,
        *,
        folder_path: str,
        repo_id: str,
        repo_type: str | None = None,
        commit_message: str | None = None,
        commit_description: str | None = None,
        revision: str | None = None,
        create_pr: bool | None = None,
        **_,
    ) -> FakeCommitInfo:
        repo = self._repo(repo_id, repo_type)
        branch = revision or "main"
        if branch not in repo.branches:
            raise KeyError(f"fake hub: no branch {branch!r} in {repo_id}")
        parent = repo.commits[repo.branches[branch]]
        files = dict(parent.files)
        for path in sorted(Path(folder_path).rglob("*")):
            if path.is_file():
                files[path.relative_to(folder_path).as_posix()] = path.read_bytes()
        commit = self._commit(repo, files, commit_message or "", commit_description or "")
        url = f"https://hub.fake/datasets/{repo_id}/commit/{commit.oid}"
        if create_pr:
            repo.pulls.append(commit.oid)
            return FakeCommitInfo(
                url, commit.oid, f"https://hub.fake/datasets/{repo_id}/discussions/{len(repo.pulls)}"
            )
        repo.branches[branch] = commit.oid
        return FakeCommitInfo(url, commit.oid)

    # ------------------------------------------------------------------ downloads
    def snapshot_download(
        self,
        repo_id: str,
        *,
        repo_type: str | None = None,
        revision: str | None = None,
        allow_patterns: list[str] | str | None = None,
        cache_dir: str | None = None,
        **_,
    ) -> str:
        """Copy the matching files of one commit into the cache layout; return the snapshot folder."""
        from huggingface_hub.errors import LocalEntryNotFoundError

        if repo_id not in self.repos:
            raise LocalEntryNotFoundError(f"fake hub: no repo {repo_id}")
        repo = self._repo(repo_id, repo_type)
        oid = self._resolve(repo, revision or "main")
        storage = (
            Path(cache_dir or self.cache_dir) / f"{(repo_type or 'model')}s--{repo_id.replace('/', '--')}"
        )
        snapshot = storage / "snapshots" / oid
        patterns = [allow_patterns] if isinstance(allow_patterns, str) else allow_patterns
        for name, data in repo.commits[oid].files.items():
            if patterns is not None and not any(fnmatch.fnmatch(name, p) for p in patterns):
                continue
            target = snapshot / name
            if target.exists():
                continue
            blob = storage / "blobs" / hashlib.sha256(data).hexdigest()
            blob.parent.mkdir(parents=True, exist_ok=True)
            blob.write_bytes(data)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.path.relpath(blob, target.parent), target)
            self.downloaded.append(f"{repo_id}:{name}")
        snapshot.mkdir(parents=True, exist_ok=True)
        if revision is not None and revision != oid:
            (storage / "refs" / revision).parent.mkdir(parents=True, exist_ok=True)
            (storage / "refs" / revision).write_text(oid)
        elif revision is None:
            (storage / "refs").mkdir(parents=True, exist_ok=True)
            (storage / "refs" / "main").write_text(oid)
        return str(snapshot)

    # ------------------------------------------------------------------ helpers
    def files(self, repo_id: str, revision: str = "main") -> dict[str, bytes]:
        repo = self.repos[repo_id]
        return repo.commits[self._resolve(repo, revision)].files

    def _repo(self, repo_id: str, repo_type: str | None) -> FakeRepo:
        repo = self.repos[repo_id]
        assert repo.repo_type == (repo_type or "model"), f"{repo_id} is a {repo.repo_type} repo"
        return repo

    @staticmethod
    def _resolve(repo: FakeRepo, revision: str) -> str:
        if revision in repo.branches:
            return repo.branches[revision]
        if revision in repo.commits:
            return revision
        if revision.startswith("refs/pr/"):
            return repo.pulls[int(revision.rsplit("/", 1)[1]) - 1]
        from huggingface_hub.errors import LocalEntryNotFoundError

        raise LocalEntryNotFoundError(f"fake hub: no revision {revision}")

    @staticmethod
    def _commit(repo: FakeRepo, files: dict[str, bytes], message: str, description: str) -> FakeCommit:
        digest = hashlib.sha1(str(len(repo.commits)).encode())
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + hashlib.sha256(files[name]).digest())
        commit = FakeCommit(digest.hexdigest(), files, message, description)
        repo.commits[commit.oid] = commit
        return commit


@pytest.fixture
def fake_hub(monkeypatch, tmp_path) -> FakeHub:
    """A fresh fake Hub standing in for the package's ``HfApi()`` and ``snapshot_download`` (patched
    where the package calls them, so no other library keeps a fake), with the real Hub cache moved to a
    temporary folder (so the offline tests see only what this test cached)."""
    from huggingface_hub import constants

    from agroflux_hf.data import hub as data_hub
    from agroflux_hf.data import publishing

    hub = FakeHub(tmp_path / "hub-cache")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub.cache_dir))
    monkeypatch.setattr(publishing, "hub_api", lambda: hub)
    monkeypatch.setattr(data_hub, "download_snapshot", hub.snapshot_download)
    return hub
