"""`diff_builds` on pairs of real signed builds that differ in one known way."""

from __future__ import annotations

from ledger.diff import diff_builds
from ledger.workspace import Workspace
from tests.diff.conftest import RECIPE, SPEC, build, script_with_extra_call, write_script


def test_changed_spec_subsection_diverges_at_the_first_model_request(demo: Workspace) -> None:
    a = build(demo)
    spec = demo.root / SPEC
    spec.write_text(spec.read_text().replace('| `to_roman(4)` | `"IV"` |', '| `to_roman(9)` | `"IX"` |'))
    b = build(demo)

    diff = diff_builds(demo, a.build_id, b.build_id)

    assert diff.pins == ()  # same recipe, same model
    [member] = diff.members
    assert member.label == "SPEC/textkit/roman" and member.change == "changed"
    # A's text is gone from the workspace: recovered from A's signed trajectory, digest-checked
    assert member.text_note == "A text from trajectory, B text from workspace"
    assert member.unified_diff is not None
    assert '-| `to_roman(4)` | `"IV"` |' in member.unified_diff
    assert '+| `to_roman(9)` | `"IX"` |' in member.unified_diff

    d = diff.trajectory.divergence
    assert d is not None
    assert (d.type, d.op, d.a_index, d.b_index) == ("model_request", "changed", 1, 1)
    assert "request.system" in d.detail and "to_roman(4)" in d.detail and "to_roman(9)" in d.detail
    # the agent then did the same things: only the requests carrying the prompt differ
    changed = {s.type for s in diff.trajectory.steps if s.op == "changed"}
    assert changed == {"build_start", "model_request"}
    assert diff.artifacts == () and diff.artifacts_same == ("src/textkit/roman.py",)


def test_changed_model_id_is_a_recipe_pin_and_the_first_divergence(demo: Workspace) -> None:
    a = build(demo)
    new_id = "loopback-scripted-test-model-20250202"
    recipe = demo.root / RECIPE
    recipe.write_text(recipe.read_text().replace("loopback-scripted-test-model-20250101", new_id))
    b = build(demo)

    diff = diff_builds(demo, a.build_id, b.build_id)

    pins = {p.field: (p.a, p.b) for p in diff.pins}
    assert pins["model.id"] == ("loopback-scripted-test-model-20250101", new_id)
    assert set(pins) == {"model.id", "recipe.digest"}  # the recipe file changed, nothing else
    assert diff.members == ()
    d = diff.trajectory.divergence
    assert d is not None and (d.type, d.a_index, d.b_index) == ("model_request", 1, 1)
    assert d.detail.startswith("request.model: A ")
    assert new_id in d.b_did


def test_extra_tool_call_in_the_middle_is_an_insertion_and_the_rest_stays_aligned(
    demo: Workspace,
) -> None:
    a = build(demo)
    write_script(demo, script_with_extra_call("ls src/textkit"))
    b = build(demo)

    diff = diff_builds(demo, a.build_id, b.build_id)
    t = diff.trajectory

    # the loopback script is a file the recipe references, so only the recipe digest moved
    assert [p.field for p in diff.pins] == ["recipe.digest"] and diff.members == ()
    # B's model asked for `ls` where A's asked for the test run: B's events 10..14 are extra
    d = t.divergence
    assert d is not None
    assert (d.op, d.type, d.a_index, d.b_index) == ("insert", "model_response", None, 10)
    assert (d.a_position, d.b_position) == (10, 10)
    assert "run_command" in d.b_did and "ls src/textkit" in d.b_did
    inserted = [s for s in t.steps if s.op == "insert"]
    assert [s.b_index for s in inserted] == [10, 11, 12, 13, 14]
    assert [s.type for s in inserted] == [
        "model_response",
        "tool_call",
        "exec",
        "tool_result",
        "model_request",
    ]
    assert not [s for s in t.steps if s.op == "delete"]
    [only] = t.only_b
    assert only.name == "run_command" and only.index == 11 and "ls src/textkit" in only.summary
    assert t.only_a == ()

    # everything after the insertion is aligned pairwise: A#10.. ↔ B#15..
    after = [s for s in t.steps if s.a_index is not None and s.a_index >= 10]
    assert [(s.a_index, s.b_index) for s in after] == [(i, i + 5) for i in range(10, 19)]
    assert {s.type: s.op for s in after}["tool_call"] == "equal"  # the same test-run call
    assert t.totals_a is not None and t.totals_b is not None
    assert (t.totals_a.tool_calls, t.totals_b.tool_calls) == (3, 4)
    assert (t.totals_a.turns, t.totals_b.turns) == (3, 4)
    assert diff.artifacts == ()


def test_identical_rebuild_by_replay_has_no_divergence(demo: Workspace) -> None:
    a = build(demo)
    b = build(demo, replay_of=a.build_id)

    diff = diff_builds(demo, a.build_id, b.build_id)

    assert b.build_id != a.build_id
    assert diff.pins == () and diff.members == () and diff.artifacts == ()
    assert diff.trajectory.divergence is None
    assert diff.headline() == "no divergence: same inputs, same trajectory, same artifacts"
    # only the input header differs (build id aside, the replay records provider 'replay')
    assert {s.type for s in diff.trajectory.steps if s.op != "equal"} <= {"build_start"}


def test_artifact_diff_shows_the_code_change(demo: Workspace) -> None:
    a = build(demo)
    from tests.build.conftest import roman_script

    script = roman_script()
    first = script["turns"][0]["content"][1]  # type: ignore[index]
    first["input"]["content"] = first["input"]["content"].replace(
        "Roman numeral of 1..3999.", "Roman numeral."
    )
    write_script(demo, script)
    b = build(demo)

    diff = diff_builds(demo, a.build_id, b.build_id)

    [art] = diff.artifacts
    assert art.path == "src/textkit/roman.py" and art.change == "changed"
    assert art.text_note == "A text from trajectory, B text from workspace"
    assert art.unified_diff is not None
    assert '-    """Roman numeral of 1..3999."""' in art.unified_diff
    assert '+    """Roman numeral."""' in art.unified_diff
    d = diff.trajectory.divergence
    assert d is not None and d.type == "model_response" and d.op == "changed" and d.a_index == 2
