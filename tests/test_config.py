import pytest

from newsmill.config import ConfigError, load_config


def test_defaults_and_env_precedence(tmp_path):
    cfg_file = tmp_path / "newsmill.toml"
    cfg_file.write_text('[fetch]\nread_timeout = 5\nconcurrency = 3\n[load]\ndb_path = "from-file.duckdb"\n')
    cfg = load_config(cfg_file, env={"NEWSMILL_DB": "from-env.duckdb"},
                      overrides={"fetch": {"concurrency": 7}})
    assert cfg.fetch.read_timeout == 5.0
    assert cfg.fetch.concurrency == 7  # flag beats file
    assert cfg.load.db_path == "from-env.duckdb"  # env beats file
    assert cfg.extract.favor_precision is True


@pytest.mark.parametrize("text,msg", [
    ("[fetch]\nread_timeout = 'soon'\n", "fetch.read_timeout: expected a number"),
    ("[fetch]\nconcurrency = -2\n", "fetch.concurrency: must not be negative"),
    ("[fetch]\nspeed = 3\n", "unknown setting fetch.speed"),
    ("[fetchh]\n", "unknown section [fetchh]"),
    ("[fetch\n", "is not valid TOML"),
    ("[enrich]\nenabled = 'maybe'\n", "enrich.enabled: expected true/false"),
])
def test_bad_values_are_named(tmp_path, text, msg):
    f = tmp_path / "bad.toml"
    f.write_text(text)
    with pytest.raises(ConfigError) as e:
        load_config(f, env={})
    assert msg in str(e.value)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "nope.toml", env={})


def test_readme_lists_every_setting_with_its_default(tmp_path):
    """docs/configuration.md's configuration block is the reference: every key, each at its default."""
    import dataclasses
    import re
    import tomllib
    from pathlib import Path

    from newsmill.config import Config

    readme = (Path(__file__).resolve().parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(\[fetch\].*?)```", readme, re.S).group(1)
    documented = tomllib.loads(block)
    cfg = Config()
    for section in dataclasses.fields(cfg):
        opts = getattr(cfg, section.name)
        keys = {f.name for f in dataclasses.fields(opts) if not f.metadata.get("runtime")}  # set by a run
        assert set(documented[section.name]) == keys, f"[{section.name}] docs/configuration.md and code differ"
        for key in keys:
            assert documented[section.name][key] == getattr(opts, key), f"{section.name}.{key}"
    f = tmp_path / "readme.toml"
    f.write_text(block)
    assert load_config(f, env={}) == cfg
