"""Rasa's prediction graph, run node after node in the calling thread.

Rasa runs its model graph (NLU for each message, the policies twice per turn) with Dask's
synchronous scheduler, which rebuilds a Dask graph and its bookkeeping on every call: about
1 ms per run, three runs per turn (py-spy, `make bench`). The graph is a fixed, small
DAG, so its order is worked out once per set of targets and the nodes are called in it,
with the same inputs, outputs and errors as `DaskGraphRunner.run`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import ExecutionContext, GraphNodeHook, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelStorage


@dataclass(frozen=True)
class _Plan:
    """How to reach a set of targets from a set of inputs, worked out once."""

    steps: list[tuple[str, list[str]]]  # each node after the nodes it needs, with its needs
    nodes: frozenset[str]  # the nodes among the steps
    missing: str | None  # what the first node lacking an input would report, if one does


class SequentialGraphRunner(DaskGraphRunner):
    """`DaskGraphRunner` (its nodes, hooks and `create`), without Dask at run time."""

    def __init__(
        self,
        graph_schema: GraphSchema,
        model_storage: ModelStorage,
        execution_context: ExecutionContext,
        hooks: list[GraphNodeHook] | None = None,
    ) -> None:
        super().__init__(graph_schema, model_storage, execution_context, hooks)
        self._plans: dict[tuple[tuple[str, ...], frozenset[str]], _Plan] = {}

    def run(
        self, inputs: dict[str, Any] | None = None, targets: list[str] | None = None
    ) -> dict[str, Any]:
        """The targets' outputs by node name, as `DaskGraphRunner.run` returns them."""
        run_targets = list(targets if targets else self._graph_schema.target_names)
        inputs = inputs or {}
        plan = self._plan(tuple(run_targets), frozenset(inputs))
        # Each node returns (its name, its output); an input is passed on the same way and,
        # as under Dask, stands in for a node of the same name.
        results: dict[str, tuple[str, Any]] = {}
        for name, value in inputs.items():
            if isinstance(value, str) and (value in plan.nodes or value in results):
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that none of "
                    "the input names passed to the `run` method are the same as node names "
                    "in the graph schema."
                )
            results[name] = (name, value)
        if plan.missing:
            raise GraphRunError(plan.missing)
        try:
            for node_name, needs in plan.steps:
                arguments = [results[need] for need in needs]
                results[node_name] = self._instantiated_nodes[node_name](*arguments)
        except RuntimeError as err:
            raise GraphRunError("Error running runner.") from err
        return dict(results[target] for target in run_targets)

    def _plan(self, targets: tuple[str, ...], inputs: frozenset[str]) -> _Plan:
        plan = self._plans.get((targets, inputs))
        if plan is None:
            steps: list[tuple[str, list[str]]] = []
            done: set[str] = set()
            nodes = self._graph_schema.nodes

            def visit(name: str) -> None:
                if name in done or name in inputs or name not in nodes:
                    return
                done.add(name)
                needs = list(nodes[name].needs.values())
                for need in needs:
                    visit(need)
                steps.append((name, needs))

            for target in targets:
                visit(target)
            # The steps are in dependency order: a need is given if it is an input or an
            # earlier step.
            missing, given = None, set(inputs)
            for name, needs in steps:
                lacking = [need for need in needs if need not in given]
                if lacking and missing is None:
                    missing = f"Node '{name}' needs {lacking}: not given."
                given.add(name)
            plan = _Plan(steps, frozenset(done), missing)
            self._plans[(targets, inputs)] = plan
        return plan
