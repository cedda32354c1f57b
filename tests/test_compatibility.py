"""Compatibility matrix (issue 12): Gymnasium, SB3, PettingZoo, vector envs, copies, docs recipes.

Parametrised over every registered ``GOPO-*`` env id and both data sources (the embedded default
and the real MG-ShopDial data, skipped when absent). Each numbered input of the issue is a test:
1 render_mode/make_vec_env, 2 episode statistics, 3 copies, 4 async text, 5 observations in their
spaces, 6 checkers and unmasked PPO, 7 the demo install, 8 the Parallel view.
"""

from __future__ import annotations

import copy
import json
import os
import pickle
import re
import subprocess
import sys
import warnings
from pathlib import Path

import cloudpickle
import gymnasium as gym
import numpy as np
import pytest
from data_support import held_out_split, playable_splits
from gymnasium.utils.env_checker import check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gopo_env
from gopo_env import InvalidActionError, ResetOptionError, ScenarioError
from gopo_env.core.errors import UnsupportedRenderModeError
from gopo_env.domains.registry import domain_factory
from gopo_env.multiagent import aec_env, mgshop_v0, parallel_env
from gopo_env.registration import spec_of

ROOT = Path(__file__).resolve().parents[1]
ENV_IDS = sorted(k for k in gym.registry if k.startswith("GOPO-"))
ARRAY_IDS = [e for e in ENV_IDS if "Text" not in e]  # what SB3 can learn from (no Text spaces)
TEXT_IDS = [e for e in ENV_IDS if "Text" in e]
DOMAINS = sorted({spec_of(e).domain for e in ENV_IDS})


def _sources(domain: str) -> list[str]:
    """The data sources of a domain: its embedded default, and MG-ShopDial's real data for mgshop."""
    return ["embedded", "mgshopdial"] if "mgshopdial" in domain_factory(domain).datasets else ["embedded"]


def _cases(ids: list[str]) -> list:
    """(env id, source) pairs: every id with every source of its domain."""
    return [pytest.param(e, s, id=f"{s}-{e}") for e in ids for s in _sources(spec_of(e).domain)]
REPLIES = ["Hello, welcome! How can I help?", "What are you looking for today?",
           "Do you have a budget in mind?", "I would recommend this one.", "Anything else? Café ☕"]


@pytest.fixture
def source(request):
    """Keyword arguments of a data source for ``gym.make`` (parametrised indirectly)."""
    if request.param == "embedded":
        return {}
    return {"source": "mgshopdial", "data_dir": str(request.getfixturevalue("mgshopdial_dir"))}


def _action(env_id: str, obs, rng: np.random.Generator, p_masked: float = 0.0):
    """A random policy: masked (a ``p_masked`` share of in-space masked picks) or free text."""
    if "Text" in env_id:
        return REPLIES[int(rng.integers(len(REPLIES)))]
    if rng.random() < p_masked:
        return int(rng.integers(len(obs["action_mask"])))
    return int(rng.choice(np.flatnonzero(obs["action_mask"])))


def _canon(obs) -> str:
    """An observation as text, dict keys sorted (Gymnasium's ``Dict`` spaces sort them)."""
    return repr(dict(sorted(obs.items())) if isinstance(obs, dict) else obs)


def _snapshot(env) -> str:
    d = env.unwrapped.dialogue
    return json.dumps([r.as_dict() for r in d.transcript], sort_keys=True)


def test_every_view_is_in_the_matrix():
    assert {"GOPO-Mgshop-v0", "GOPO-Mgshop-Text-v0", "GOPO-Mgshop-Flat-v0"} <= set(ENV_IDS)


# ------------------------------------------------------------------ 6: checkers, lenient default
@pytest.mark.parametrize("env_id, source", _cases(ENV_IDS), indirect=["source"])
def test_gymnasium_check_env_on_the_default_env(env_id, source):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the checker's notes on Text spaces
        check_env(gym.make(env_id, **source).unwrapped, skip_render_check=False)


@pytest.mark.parametrize("env_id, source", _cases(ARRAY_IDS), indirect=["source"])
def test_sb3_check_env_on_the_default_env(env_id, source):
    from stable_baselines3.common.env_checker import check_env as sb3_check_env

    env = gym.make(env_id, **source).unwrapped  # (Gymnasium warns that an older version is out of date)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # SB3 warns about spaces it cannot use well
        sb3_check_env(env, warn=True)


@pytest.mark.parametrize("env_id", ARRAY_IDS)
def test_masked_in_space_action_is_scored_and_strict_mode_names_the_way_out(env_id):
    env, strict = gym.make(env_id), gym.make(env_id, strict=True)
    obs, _ = env.reset(seed=0)
    strict.reset(seed=0)
    while obs["action_mask"].all():  # play allowed moves until the SOP forbids something
        allowed = int(np.flatnonzero(obs["action_mask"])[0])
        obs, *_ = env.step(allowed)
        strict.step(allowed)
    masked = int(np.flatnonzero(obs["action_mask"] == 0)[0])
    _, reward, *_, info = env.step(masked)
    assert "masked_strategy" in info["violations"] and reward < 0
    with pytest.raises(InvalidActionError, match="masked.*MaskablePPO.*drop strict=True"):
        strict.step(masked)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_out_of_space_input_raises_a_clear_error(env_id):
    env = gym.make(env_id)
    env.reset(seed=0)
    bad = "" if "Text" in env_id else env.unwrapped.action_space.n
    with pytest.raises(InvalidActionError, match='invalid_input="score"'):
        env.step(bad)
    scored = gym.make(env_id, invalid_input="score")
    scored.reset(seed=0)
    *_, info = scored.step(bad)
    assert {"invalid_strategy", "invalid_response"} & set(info["violations"])


# ------------------------------------------------------------------ 1: render_mode, make_vec_env
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_unsupported_render_mode_is_the_error_sb3_falls_back_on(env_id):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # gymnasium.make's own note about the mode
        with pytest.raises(UnsupportedRenderModeError, match="'ansi', 'human'") as err:
            gym.make(env_id, render_mode="rgb_array")
    assert isinstance(err.value, TypeError) and isinstance(err.value, ValueError)
    assert gym.make(env_id, render_mode="ansi").unwrapped.render() is None  # nothing before reset


@pytest.mark.parametrize("env_id, source", _cases(ARRAY_IDS), indirect=["source"])
def test_sb3_make_vec_env_dummy_and_subproc_with_ppo_and_maskable_ppo(env_id, source):
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3 import PPO
    from stable_baselines3.common.env_util import make_vec_env
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    torch.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dummy = make_vec_env(env_id, n_envs=2, seed=0, env_kwargs=source)
        assert isinstance(dummy, DummyVecEnv)
        PPO("MultiInputPolicy", dummy, n_steps=64, batch_size=64, n_epochs=1, seed=0).learn(256)
        MaskablePPO("MultiInputPolicy", dummy, n_steps=64, batch_size=64, n_epochs=1, seed=0).learn(256)
        sub = make_vec_env(f"gopo_env:{env_id}", n_envs=2, seed=0, env_kwargs=source,
                           vec_env_cls=SubprocVecEnv, vec_env_kwargs={"start_method": "fork"})
        try:
            sub.reset()
            for _ in range(30):
                masks = np.stack(sub.env_method("action_masks"))
                actions = np.array([np.flatnonzero(m)[0] for m in masks])
                sub.step_async(actions)
                _, _, dones, infos = sub.step_wait()
        finally:
            sub.close()


def test_maskable_ppo_without_monitor_logs_without_key_error():
    import torch
    from sb3_contrib import MaskablePPO
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.vec_env import DummyVecEnv

    class CountEnds(BaseCallback):
        ends = 0

        def _on_step(self) -> bool:
            CountEnds.ends += int(self.locals["dones"].sum())
            return True

    torch.set_num_threads(1)
    vec = DummyVecEnv([lambda: gym.make("GOPO-Mgshop-v0")])
    model = MaskablePPO("MultiInputPolicy", vec, n_steps=64, batch_size=64, n_epochs=1, verbose=1)
    model.learn(192, callback=CountEnds())
    assert CountEnds.ends > 0  # episodes ended, so SB3 looked for info["episode"] and logged


# ------------------------------------------------------------------ 2: episode statistics
@pytest.mark.parametrize("env_id, source", _cases(ENV_IDS), indirect=["source"])
def test_episode_statistics_wrappers_keep_the_benchmark_metrics(env_id, source):
    from stable_baselines3.common.monitor import Monitor

    rng = np.random.default_rng(0)
    for env in (gym.wrappers.RecordEpisodeStatistics(gym.make(env_id, **source)),
                Monitor(gym.make(env_id, **source), info_keywords=("success", "tse", "esndcg", "gre"))):
        obs, info = env.reset(seed=1)
        assert "episode" not in info
        done = False
        while not done:
            obs, _, terminated, truncated, info = env.step(_action(env_id, obs, rng))
            done = terminated or truncated
            if not done:
                assert "episode" not in info and "summary" not in info
        summary = info["summary"]
        assert {"r", "l"} <= set(info["episode"]) and info["episode"]["l"] == summary["turns"]
        for key in ("success", "tse", "esndcg", "gre"):
            assert info[key] == summary[key]
            if isinstance(env, Monitor):
                assert info["episode"][key] == summary[key]


@pytest.mark.parametrize("env_id, source", _cases(ENV_IDS), indirect=["source"])
def test_common_gymnasium_wrappers(env_id, source):
    from gymnasium.spaces.utils import unflatten

    rng = np.random.default_rng(0)
    base = gym.make(env_id, **source)
    flat = gym.wrappers.FlattenObservation(gym.make(env_id, **source))  # text too: code points
    limited = gym.wrappers.TimeLimit(gym.make(env_id, **source), max_episode_steps=2)
    obs, _ = base.reset(seed=4)
    flat_obs, _ = flat.reset(seed=4)
    limited.reset(seed=4)
    assert flat.observation_space.contains(flat_obs)
    assert _canon(unflatten(base.observation_space, flat_obs)) == _canon(obs)
    for _ in range(2):
        action = _action(env_id, obs, rng)
        obs, *_ = base.step(action)
        flat_obs, *_ = flat.step(action)
        *_, truncated, _ = limited.step(action)
        assert _canon(unflatten(base.observation_space, flat_obs)) == _canon(obs)
    assert truncated or limited.unwrapped.dialogue.done
    if "Text" not in env_id:
        env = gym.wrappers.NormalizeReward(gym.wrappers.ClipReward(gym.make(env_id, **source), -1, 1))
        obs, _ = env.reset(seed=0)
        env.step(_action(env_id, obs, rng))


# ------------------------------------------------------------------ 3: copies
COPIES = {
    "pickle": lambda env: pickle.loads(pickle.dumps(env)),
    "deepcopy": copy.deepcopy,
    "cloudpickle": lambda env: cloudpickle.loads(cloudpickle.dumps(env)),
}


@pytest.mark.parametrize("how", sorted(COPIES))
@pytest.mark.parametrize("env_id, source", _cases(ENV_IDS), indirect=["source"])
def test_copies_mid_episode_continue_byte_identically(env_id, how, source):
    env = gym.make(env_id, **source)
    rng = np.random.default_rng(5)
    obs, _ = env.reset(seed=3)
    for _ in range(2):
        obs, _, terminated, truncated, _ = env.step(_action(env_id, obs, rng, p_masked=0.3))
        if terminated or truncated:  # a short episode: copy at the start of the next one
            obs, _ = env.reset()
    twin = COPIES[how](env)
    assert _snapshot(twin) == _snapshot(env)
    for _ in range(25):
        action = _action(env_id, obs, rng, p_masked=0.3)
        a = env.step(action)
        b = twin.step(action)
        obs = a[0]
        assert repr(a[:4]) == repr(b[:4])
        if a[2] or a[3]:
            break
    assert _snapshot(twin) == _snapshot(env)
    assert json.dumps(env.unwrapped.dialogue.summary(), sort_keys=True) == \
        json.dumps(twin.unwrapped.dialogue.summary(), sort_keys=True)
    # after the copy the next episodes agree too (the seed stream was copied)
    assert repr(env.reset()[0]) == repr(twin.reset()[0])


def test_copies_of_a_fresh_env_and_the_aec_env_work():
    for how in COPIES.values():
        how(gym.make("GOPO-Mgshop-v0"))
        aec = mgshop_v0.env()
        aec.reset(seed=0)
        aec.step(1)
        twin = how(aec)
        aec.step("What are you looking for today?")
        twin.step("What are you looking for today?")
        assert aec.unwrapped.dialogue.render_text() == twin.unwrapped.dialogue.render_text()


# ------------------------------------------------------------------ 4: vector envs
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("env_id, source", _cases(ENV_IDS), indirect=["source"])
def test_vector_envs_return_exactly_the_single_env_observations(env_id, mode, source):
    n, steps = 2, 12
    vec = gym.make_vec(env_id, num_envs=n, vectorization_mode=mode, vector_kwargs={}, **source)
    singles = [gym.make(env_id, **source) for _ in range(n)]
    try:
        obs, _ = vec.reset(seed=[10, 11])
        single = [e.reset(seed=s)[0] for e, s in zip(singles, (10, 11))]
        rng = np.random.default_rng(0)
        for _ in range(steps):
            for i in range(n):
                got = obs[i] if "Text" in env_id else {k: v[i] for k, v in sorted(obs.items())}
                want = single[i] if "Text" in env_id else dict(sorted(single[i].items()))
                assert repr(got) == repr(want)
            actions = [_action(env_id, single[i], rng) for i in range(n)]
            batch = tuple(actions) if "Text" in env_id else np.array(actions)
            obs, _, terminated, truncated, _ = vec.step(batch)
            single = []
            for e, a, t, tr in zip(singles, actions, terminated, truncated):
                o, _, st_, sr, _ = e.step(a)
                assert (st_, sr) == (bool(t), bool(tr))
                if st_ or sr:  # the vector env resets on its next step: mirror it
                    o = None
                single.append(o)
            if any(o is None for o in single):
                break
    finally:
        vec.close()


def test_async_text_view_carries_unicode_and_newlines_through_shared_memory():
    space = gopo_env.DialogueText(64)
    from gymnasium.spaces.utils import flatten, unflatten
    from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory

    text = "Customer: Ça va? 😊\nAssistant: Sí — 12,99 €"
    memory = create_shared_memory(space, n=2)
    view = read_from_shared_memory(space, memory, n=2)  # Gymnasium reads once, then writes
    write_to_shared_memory(space, 1, text, memory)
    assert view[1] == text and copy.deepcopy(view) == ("", text)
    assert unflatten(space, flatten(space, text)) == text
    with pytest.raises(ValueError, match="at most 64"):
        flatten(space, "x" * 65)


# ------------------------------------------------------------------ 5: observations in their spaces
@pytest.mark.parametrize("env_id, source", _cases(ENV_IDS), indirect=["source"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), policy=st.integers(0, 2**31 - 1),
       p_masked=st.sampled_from([0.0, 0.2]), split=st.sampled_from(["train", "dev", "test"]))
def test_observations_stay_inside_their_spaces(env_id, source, seed, policy, p_masked, split):
    if split not in playable_splits(env_id):
        split = held_out_split(env_id)
    env = _cached_env(env_id, split, **source)
    rng = np.random.default_rng(policy)
    obs, _ = env.reset(seed=seed)
    done = False
    while not done:
        assert env.observation_space.contains(obs), (env_id, split, seed, env.unwrapped.dialogue.turn)
        obs, _, terminated, truncated, _ = env.step(_action(env_id, obs, rng, p_masked))
        done = terminated or truncated
    assert env.observation_space.contains(obs)


_ENVS: dict = {}


def _cached_env(env_id, split, **kwargs):
    key = (env_id, split, tuple(sorted(kwargs.items())))
    if key not in _ENVS:
        _ENVS[key] = gym.make(env_id, split=split, **kwargs)
    return _ENVS[key]


# ------------------------------------------------------------------ 8 + PettingZoo conformance
@pytest.mark.parametrize("domain, source", [pytest.param(d, s, id=f"{s}-{d}") for d in DOMAINS
                                            for s in _sources(d)], indirect=["source"])
def test_pettingzoo_api_parallel_and_seed_tests(domain, source):
    from pettingzoo.test import api_test, parallel_api_test, seed_test

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tests act for both agents (inactive_action warns)
        api_test(aec_env(domain=domain, **source), num_cycles=200)
        parallel_api_test(parallel_env(domain=domain, **source), num_cycles=200)
        seed_test(lambda: aec_env(domain=domain, **source), num_cycles=60)


def test_parallel_view_never_drops_an_inactive_agents_action_silently():
    par = mgshop_v0.parallel_env()
    observations, infos = par.reset(seed=0)
    assert all(infos[a]["active_agent"] == "expert" for a in par.agents)  # known from reset on
    with pytest.warns(UserWarning, match="action of 'service' is ignored, it is 'expert''s turn"):
        _, _, _, _, infos = par.step({"expert": 1, "service": "Hello!"})
    assert par.ignored_actions == {"service": 1} and infos["expert"]["active_agent"] == "service"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # None for the inactive agent is the convention: no warning
        par.step({"expert": None, "service": "What are you looking for today?"})
    strict = mgshop_v0.parallel_env(inactive_action="raise")
    strict.reset(seed=0)
    with pytest.raises(InvalidActionError, match="expert's turn, not service's"):
        strict.step({"expert": 1, "service": "Hello!"})
    with pytest.raises(InvalidActionError, match="no action for the active agent"):
        strict.step({"service": None})


# ------------------------------------------------------------------ issue 17 item 4: pinned splits
@pytest.mark.parametrize("env_id", ENV_IDS)
def test_a_pinned_scenario_must_belong_to_the_envs_split(env_id):
    split = held_out_split(env_id)
    env = gym.make(env_id, split=split)
    train_id = env.unwrapped.scenario_ids("train")[0]
    first_test_id = re.escape(env.unwrapped.scenario_ids()[0])
    with pytest.raises(ScenarioError,
                       match=rf"belongs to the 'train' split.*{first_test_id}.*allow_other_split"):
        env.reset(seed=0, options={"scenario_id": train_id})
    _, info = env.reset(seed=0, options={"scenario_id": train_id, "allow_other_split": True})
    assert info["scenario_id"] == train_id
    with pytest.raises(ScenarioError, match=rf"no scenario with id 'nope'.*'{split}' split.*{first_test_id}"):
        env.reset(seed=0, options={"scenario_id": "nope"})
    own = env.unwrapped.scenario_ids()[-1]
    assert env.reset(seed=0, options={"scenario_id": own})[1]["scenario_id"] == own


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_a_misspelt_reset_option_raises_naming_the_known_keys(env_id):
    """A dropped ``scenario`` key would silently play a random scenario instead of the pinned one."""
    env = gym.make(env_id, split=held_out_split(env_id))
    own = env.unwrapped.scenario_ids()[0]
    with pytest.raises(ResetOptionError, match=r"\['scenario'\] \(did you mean 'scenario_id'\?\).*"
                                               r"\['scenario_id', 'allow_other_split'\]"):
        env.reset(seed=0, options={"scenario": own})
    assert isinstance(ResetOptionError("x"), ValueError)
    assert env.reset(seed=0, options={"scenario_id": own})[1]["scenario_id"] == own


def test_pettingzoo_envs_refuse_unknown_reset_options_but_pettingzoos_probe():
    for env in (mgshop_v0.env(), mgshop_v0.parallel_env()):
        env.reset(seed=0, options={"options": 1})  # what api_test / parallel_api_test pass
        with pytest.raises(ResetOptionError, match="unknown reset option.*'seed'"):
            env.reset(options={"seed": 0})


# ------------------------------------------------------------------ 7: the demo install
def _declared_extras() -> dict[str, list[str]]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = pytest.importorskip("tomli")
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


def _modules_of(requirements: list[str]) -> set[str]:
    from importlib.metadata import packages_distributions

    by_dist: dict[str, set[str]] = {}
    for module, dists in packages_distributions().items():
        for d in dists:
            by_dist.setdefault(re.sub(r"[-_.]+", "-", d).lower(), set()).add(module)
    names = {re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]).lower() for r in requirements}
    return {m for n in names for m in by_dist.get(n, ())}


def test_what_make_demo_installs_runs_evaluate_submit_and_train(tmp_path):
    """Run the README's next commands with every module of the other extras made unimportable."""
    extras = _declared_extras()
    demo = re.search(r"^DEMO_EXTRAS \?= (\S+)", (ROOT / "Makefile").read_text(), re.M).group(1).split(",")
    installed = {r for e in demo for r in extras[e]} | {"gymnasium", "pettingzoo", "numpy"}
    others = {r for e, reqs in extras.items() if e not in demo for r in reqs
              if not r.startswith("gopo-bench")}
    blocked = sorted(_modules_of(sorted(others)) - _modules_of(sorted(installed))
                     - {"_pytest", "pytest", "py", "hypothesis", "_hypothesis_pytestplugin"})
    assert blocked, "the other extras should have modules to block"
    (tmp_path / "sitecustomize.py").write_text(
        "import sys\nclass _Block:\n"
        f"    names = set({blocked!r})\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in self.names:\n"
        "            raise ModuleNotFoundError(f'No module named {name!r} (not in the demo install)')\n"
        "sys.meta_path.insert(0, _Block())\n")
    # the source tree, unless the suite tests the installed package (`make test`)
    path = [str(tmp_path)] + ([] if os.environ.get("GOPO_TEST_INSTALLED") == "1" else [str(ROOT)])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}

    def cli(*args):
        done = subprocess.run([sys.executable, "-m", "leaderboard.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"gopo-bench {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    quiet = "--no-progress"
    cli("evaluate", "--agent", "baselines.random_agent:RandomAgent", "--out", str(tmp_path / "sub"), quiet)
    cli("submit", str(tmp_path / "sub"), "--db", str(tmp_path / "lb.sqlite"), quiet)
    cli("train", "--agent", "baselines.bc:BCAgent", "--steps", "200", "--out", str(tmp_path / "bc"), quiet)


# ------------------------------------------------------------------ versions
def test_installed_libraries_are_inside_the_declared_ranges():
    from importlib.metadata import version

    from packaging.requirements import Requirement

    extras = _declared_extras()
    import tomllib
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    wanted = {"gymnasium", "pettingzoo", "stable-baselines3", "sb3-contrib"}
    checked = set()
    for text in [*deps, *extras["agents"]]:
        req = Requirement(text)
        if req.name in wanted:
            assert req.specifier and "<" in str(req.specifier), f"{req.name}: declare an upper bound"
            installed = version(req.name)
            assert req.specifier.contains(installed), (req.name, installed, str(req.specifier))
            checked.add(req.name)
    assert checked == wanted


# ------------------------------------------------------------------ the interoperability page
def _recipes() -> list[str]:
    text = (ROOT / "docs" / "interoperability.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, re.S)


def test_the_interoperability_page_has_the_recipes():
    blocks = _recipes()
    for needle in ("MaskablePPO", "SubprocVecEnv", "RecordEpisodeStatistics", "agent_iter", "parallel_env",
                   'make_vec("GOPO-Mgshop-Text-v1"', "torch.distributions", "copy.deepcopy"):
        assert any(needle in b for b in blocks), needle


@pytest.mark.parametrize("index", range(len(_recipes())))
def test_interoperability_recipe_runs(index):
    code = _recipes()[index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, f"docs/interoperability.md[block {index}]", "exec"), {"__name__": "__main__"})
