"""Checking a recipe's search space against what its builder accepts.

A recipe's ``search`` table names what a tuner may vary: builder arguments, or the
training options in `TRAINING_OPTIONS`. The registry checks the names when the
recipe is registered, reading the builder's signature from its source
(`zoo._specs.static`, no import: listing never imports an implementation); when the source
cannot say, the check waits until the recipe is built. A builder that takes
``**kwargs`` accepts any name.
"""

from __future__ import annotations

from collections.abc import Iterable

from zoo._base.errors import RegistryFileError, did_you_mean
from zoo._specs.component import ComponentSpec, Recipe
from zoo._specs.static import read_signature

#: Training options a search space may vary besides builder arguments.
TRAINING_OPTIONS = ("learning_rate", "batch_size", "optimizer", "weight_decay", "epochs")


def check_search_keys(
    recipe: Recipe, builder: ComponentSpec, accepted: Iterable[str], takes_any: bool
) -> None:
    """Raise RegistryFileError for a search key that is neither an argument nor an option."""
    if takes_any:
        return
    names = list(accepted)
    for key in recipe.search:
        if key in names or key in TRAINING_OPTIONS:
            continue
        options = [o for o in TRAINING_OPTIONS if o not in names]
        choices = [*names, *options]
        raise RegistryFileError(
            f"{recipe.source}: recipes.{recipe.namespace}.{recipe.name}.search: a search key "
            f"is an argument of the builder {builder.id} or a training option. Received: "
            f"{key!r}.{did_you_mean(key, choices)} Accepted: {', '.join(names)}, or "
            f"{', '.join(options)}."
        )


def check_search_keys_statically(recipe: Recipe, builder: ComponentSpec) -> bool:
    """Check ``recipe.search`` from the builder's source; False if it must wait for the build."""
    if not recipe.search:
        return True
    signature = read_signature(builder.target)
    if signature is None:
        return False
    check_search_keys(recipe, builder, signature.names, signature.takes_any_keyword)
    return True


def check_search_keys_at_build(
    recipe: Recipe, builder: ComponentSpec, implementation: object
) -> None:
    """Check ``recipe.search`` against the imported builder (when the source could not say)."""
    import inspect

    if not recipe.search:
        return
    try:
        signature = inspect.signature(implementation)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return
    params = signature.parameters.values()
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    check_search_keys(recipe, builder, [p.name for p in params if p.kind in named], takes_any)
