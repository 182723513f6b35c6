"""The dbt Python models' .yml declares the columns and types their code returns (`make plan` relies on them)."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
import yaml

from mhw.scheme_evaluation import EVALUATION_SCHEMA, SERIES_SCHEMA
from mhw.settings import PROJECT_ROOT

FOLDER = PROJECT_ROOT / "dbt_project" / "models" / "intermediate" / "scheme_evaluation"


@pytest.mark.parametrize(
    ("model", "schema"), [("int_scheme_evaluation", EVALUATION_SCHEMA), ("int_scheme_evaluation_series", SERIES_SCHEMA)]
)
def test_yml_columns_are_the_python_models_output(model, schema):
    relation = duckdb.from_arrow(pl.DataFrame(schema=schema).to_arrow())
    returned = [(c, str(t).lower()) for c, t in zip(relation.columns, relation.types, strict=True)]
    (declared,) = yaml.safe_load((FOLDER / f"{model}.yml").read_text())["models"]
    assert [(c["name"], c["data_type"]) for c in declared["columns"]] == returned
