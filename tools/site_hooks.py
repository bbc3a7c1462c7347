"""The reference site's mkdocs hooks (`hooks:` in mkdocs.yml): the README is the home page.

The README links the way it must in the repository: `docs/cli.md`, `CHANGELOG.md`,
`BENCHMARKS.md` (which shows `benchmarks/poll_economy.png`). The site's root is docs/, so the
README becomes its `index.md`, every other file of the repository that the README links to,
directly or through a linked Markdown file, is added to the site at its path in the
repository, and the links of these Markdown files are rewritten to where their targets are in
the site. A link to a file that does not exist is left alone: the strict build reports it.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

HOME = "README.md"
# A Markdown link or image, [text](target) or ![alt](target), whose target has no title.
_LINK = re.compile(r"(\]\()([^)\s]+)(\))")


class _Site:
    def __init__(self, config: MkDocsConfig) -> None:
        self.root = Path(config.config_file_path).resolve().parent
        self.docs = Path(config.docs_dir).resolve()

    def uri(self, path: Path) -> str:
        """Where a file of the repository is in the site."""
        if path == self.root / HOME:
            return "index.md"
        base = self.docs if path.is_relative_to(self.docs) else self.root
        return path.relative_to(base).as_posix()

    def linked_files(self, document: Path) -> list[Path]:
        """The existing files of the repository that the Markdown `document` links to."""
        found = []
        for match in _LINK.finditer(document.read_text(encoding="utf-8")):
            path = self._target(document, match[2])
            if path is not None and path.is_file():
                found.append(path)
        return found

    def markdown(self, document: Path) -> str:
        """`document` with each link to a file of the repository pointing where it is in the
        site."""
        here = posixpath.dirname(self.uri(document)) or "."

        def relink(match: re.Match[str]) -> str:
            path = self._target(document, match[2])
            if path is None or not path.exists():
                return match[0]
            _, hash_sign, fragment = match[2].partition("#")
            target = posixpath.relpath(self.uri(path), here) + hash_sign + fragment
            return match[1] + target + match[3]

        return _LINK.sub(relink, document.read_text(encoding="utf-8"))

    def _target(self, document: Path, link: str) -> Path | None:
        path = link.partition("#")[0]
        if not path or ":" in path or path.startswith("/"):
            return None  # a fragment of the same page, a URL, or a site-absolute path
        resolved = (document.parent / path).resolve()
        return resolved if resolved.is_relative_to(self.root) else None


def on_files(files: Files, config: MkDocsConfig) -> Files:
    site = _Site(config)
    pending = [site.root / HOME]
    added = set(pending)
    while pending:
        document = pending.pop()
        files.append(File.generated(config, site.uri(document), content=site.markdown(document)))
        for path in site.linked_files(document):
            if path in added or path.is_relative_to(site.docs):
                continue  # docs/ is the site's own: its files are there already
            added.add(path)
            if path.suffix == ".md":
                pending.append(path)
            else:
                files.append(File.generated(config, site.uri(path), abs_src_path=str(path)))
    return files
