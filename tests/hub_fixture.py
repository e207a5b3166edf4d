"""A fake Hub for tests: an ``HfApi`` stand-in whose uploads land in the local Hugging Face cache.

An upload becomes a snapshot in ``$HF_HOME/hub`` exactly as ``snapshot_download`` lays one out
(``models--ORG--NAME/snapshots/<commit>/``, ``refs/<revision>``), so the code under test downloads
it through the real ``huggingface_hub`` with ``HF_HUB_OFFLINE=1`` (set by conftest): nothing touches the
network, and what is loaded is exactly what was uploaded.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path
from typing import Any


class CachedHub:
    """``create_repo`` / ``create_branch`` / ``upload_folder`` recording their calls; uploads -> the cache."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.uploads = 0

    @staticmethod
    def cache_dir() -> Path:
        from huggingface_hub import constants

        return Path(constants.HF_HUB_CACHE)

    def repo_dir(self, repo_id: str, repo_type: str = "model") -> Path:
        return self.cache_dir() / f"{repo_type}s--{repo_id.replace('/', '--')}"

    def create_repo(self, repo_id, *, repo_type=None, private=None, exist_ok=False, token=None, **extra):
        self.calls.append(
            ("create_repo", {"repo_id": repo_id, "repo_type": repo_type, "private": private, **extra})
        )
        self.repo_dir(repo_id, repo_type or "model").mkdir(parents=True, exist_ok=True)
        return f"https://hub.example/{repo_id}"

    def create_branch(self, repo_id, *, branch, repo_type=None, exist_ok=False, token=None):
        self.calls.append(("create_branch", {"repo_id": repo_id, "branch": branch, "repo_type": repo_type}))

    def upload_folder(
        self,
        *,
        folder_path,
        repo_id,
        repo_type=None,
        commit_message=None,
        revision=None,
        create_pr=False,
        commit_description=None,
        token=None,
    ):
        self.calls.append(
            (
                "upload_folder",
                {
                    "repo_id": repo_id,
                    "repo_type": repo_type,
                    "commit_message": commit_message,
                    "revision": revision,
                    "create_pr": create_pr,
                    "commit_description": commit_description,
                },
            )
        )
        self.uploads += 1
        folder = Path(folder_path)
        digest = hashlib.sha1(f"{repo_id}{self.uploads}".encode())
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                digest.update(file.read_bytes())
        commit = digest.hexdigest()
        repo = self.repo_dir(repo_id, repo_type or "model")
        shutil.copytree(folder, repo / "snapshots" / commit)
        ref = f"refs/pr/{self.uploads}" if create_pr else (revision or "main")
        (repo / "refs" / ref).parent.mkdir(parents=True, exist_ok=True)
        (repo / "refs" / ref).write_text(commit)
        if create_pr:
            return _Commit(
                f"https://hub.example/{repo_id}/commit/{commit}",
                f"https://hub.example/{repo_id}/discussions/{self.uploads}",
            )
        return _Commit(f"https://hub.example/{repo_id}/commit/{commit}", None)

    def snapshot(self, repo_id: str, revision: str = "main") -> Path:
        repo = self.repo_dir(repo_id)
        return repo / "snapshots" / (repo / "refs" / revision).read_text()


class _Commit:
    def __init__(self, commit_url: str, pr_url: str | None) -> None:
        self.commit_url = commit_url
        self.pr_url = pr_url
