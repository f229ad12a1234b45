"""What a hostile agent (or code under test) runs inside a sandbox to look for the runner's secrets.

The probe searches every process's environment and command line and every file it can see for a pattern. The
pattern is a regular expression that matches the secret without containing it, so the probe's own command
line never matches; a canary of the same shape, put in reach on purpose, proves the search looks where it says.
"""

from __future__ import annotations

import re
import shlex
import uuid
from dataclasses import dataclass
from pathlib import Path

# /usr is the host's (or image's) operating system, bound verbatim and large: text files only there.
# /proc is read process by process above; /sys and /dev are the kernel's, not files anyone planted.
_SEARCH = r"""
shopt -s nullglob dotglob
pattern=$1
for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do
  tr '\0' '\n' < "$f" 2>/dev/null | grep -oE -- "$pattern" | sed "s|^|$f:|"
done
for d in /*; do
  case "$d" in
    /proc|/sys|/dev) continue ;;
    /usr) grep -rsoIE -- "$pattern" "$d" ;;
    *) grep -rsoaE -- "$pattern" "$d" ;;
  esac
done
echo probe-complete
"""


@dataclass(frozen=True)
class Planted:
    """A secret put in the runner's environment and in host files, and a canary put in the sandbox's reach."""

    secret: str
    canary: str
    pattern: str

    @classmethod
    def new(cls) -> Planted:
        tag = uuid.uuid4().hex
        # "plante[d]" matches "planted" but is not it: the probe's own argv never matches the pattern.
        return cls(f"sk-planted-{tag}", f"sk-canary-{tag}", f"sk-(plante[d]|canar[y])-{tag}")

    def command(self) -> str:
        return f"bash -c {shlex.quote(_SEARCH)} probe {shlex.quote(self.pattern)}"

    def places(self, output: str, found: str) -> list[str]:
        """Where the probe saw ``found`` (the secret or the canary): the file or /proc entry of each hit."""
        hits = re.findall(rf"^(.*?):{re.escape(found)}$", output, flags=re.MULTILINE)
        return sorted(set(hits))


def plant_host_files(planted: Planted, beside_workspace: Path) -> list[Path]:
    """Files the runner's user owns outside the workspace, holding the secret as credentials files do."""
    files = [beside_workspace / ".env", Path.home() / f".solvemeter-planted-{planted.secret[-12:]}"]
    for path in files:
        path.write_text(f"OPENAI_API_KEY={planted.secret}\n")
    return files
