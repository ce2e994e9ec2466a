"""The wheel carries the dbt project and its profile, so that an installed ``nba-elt`` (``pip
install .``) runs outside a checkout: ``build_py`` copies ``dbt_project/`` (without its build
output) and ``profiles.yml`` into ``loader/_project/``, where loader.settings looks for them
when no checkout surrounds the package. Everything else is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithProject(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install runs from the checkout, project and all
            return
        here = Path(__file__).resolve().parent
        packaged = Path(self.build_lib) / "loader" / "_project"
        shutil.rmtree(packaged, ignore_errors=True)
        shutil.copytree(here / "dbt_project", packaged / "dbt_project",
                        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "*.duckdb*"))
        shutil.copy2(here / "profiles.yml", packaged / "profiles.yml")


setup(cmdclass={"build_py": BuildWithProject})
