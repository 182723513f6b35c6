"""The delivery rule on its own (ingestion/gate/delivery.py): what a new file does to the files in force."""

from __future__ import annotations

import pytest

from ingestion.gate.delivery import ActiveIds, ActivePart, Holder, decide

A = ActivePart("load-a", "incidents/F/2024-05/a.csv", frozenset({"1", "2", "3", "4"}))
B = ActivePart("load-b", "incidents/F/2024-05/b.csv", frozenset({"7", "8"}))
NIL = ActivePart("load-nil", "incidents/F/2024-05/nil.csv", frozenset())
IN_FORCE = ActiveIds([A, B, NIL])


def ids(*values: str) -> frozenset[str]:
    return frozenset(values)


def test_same_name_is_a_correction_of_that_file_only():
    decision = decide(A.file_path, ids("1", "7"), IN_FORCE)
    assert decision.supersedes == (A,)
    assert decision.holders == {"7": Holder(B.load_id, B.file_path)}, "ids of the other parts still clash"
    assert "same name, new content" in decision.describe()


@pytest.mark.parametrize(
    ("new", "words"),
    [
        (ids("1", "2", "3", "4"), "it holds the same 4 ids"),
        (ids("1", "2"), "it holds 2 of its 4 ids and no others"),
        (ids("1", "2", "3", "4", "5"), "it holds all its 4 ids and 1 more"),
    ],
)
def test_new_name_matching_one_part_is_a_resend_of_it(new, words):
    decision = decide("incidents/F/2024-05/a_v2.csv", new, IN_FORCE)
    assert decision.supersedes == (A,) and decision.holders == {}
    assert decision.describe() == f"replaces {A.file_path} (a corrected re-send under a new name: {words})"


def test_new_ids_make_another_part():
    decision = decide("incidents/F/2024-05/late.csv", ids("10", "11"), IN_FORCE)
    assert decision.supersedes == () and decision.holders == {} and decision.describe() is None


def test_partial_overlap_is_another_part_whose_repeated_ids_are_refused():
    decision = decide("incidents/F/2024-05/c.csv", ids("4", "5", "8"), IN_FORCE)
    assert decision.supersedes == ()
    assert decision.holders == {"4": Holder(A.load_id, A.file_path), "8": Holder(B.load_id, B.file_path)}


def test_all_ids_of_several_parts_replace_them_all():
    decision = decide("incidents/F/2024-05/whole.csv", ids("1", "2", "3", "4", "7", "8", "9"), IN_FORCE)
    assert set(decision.supersedes) == {A, B} and decision.holders == {}


def test_a_nil_return_never_replaces_by_ids_and_is_never_replaced_by_them():
    assert decide("incidents/F/2024-05/empty.csv", ids(), IN_FORCE).supersedes == ()
    assert NIL not in decide("incidents/F/2024-05/x.csv", ids("1", "2", "3", "4"), IN_FORCE).supersedes


def test_ids_in_force_in_another_period_are_refused():
    april = Holder("load-april", "incidents/F/2024-04/april.csv")
    active = ActiveIds([A], elsewhere={"99": april})
    decision = decide("incidents/F/2024-05/a_v2.csv", ids("1", "2", "3", "4", "99"), active)
    assert decision.supersedes == (A,), "a re-send of a.csv, with one more id"
    assert decision.holders == {"99": april}, "which is April's: its row is refused"
