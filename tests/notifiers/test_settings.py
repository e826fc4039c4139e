from __future__ import annotations

import pytest

from notifiers.settings import SmtpSettings

YAML = {"host": "smtp.yaml.test", "port": 587, "tls": "starttls", "from": "ar@yaml.test"}


def test_no_host_anywhere_means_the_file_sink() -> None:
    assert SmtpSettings.from_env(None, env={}) is None
    assert SmtpSettings.from_env({"host": None, "port": 25, "tls": "none"}, env={}) is None
    assert SmtpSettings.from_env({}, env={"ARFLOW_SMTP_HOST": "  "}) is None


def test_yaml_section_alone() -> None:
    s = SmtpSettings.from_env({**YAML, "timeout": 10, "concurrency": 2}, env={})
    assert s == SmtpSettings(
        host="smtp.yaml.test",
        port=587,
        tls="starttls",
        timeout=10.0,
        sender="ar@yaml.test",
        concurrency=2,
    )


def test_environment_wins_over_the_yaml() -> None:
    env = {
        "ARFLOW_SMTP_HOST": "smtp.env.test",
        "ARFLOW_SMTP_PORT": "465",
        "ARFLOW_SMTP_TLS": "TLS",
        "ARFLOW_SMTP_USER": "arflow",
        "ARFLOW_SMTP_PASSWORD": "s3cret",
        "ARFLOW_MAIL_FROM": "应收账款部 <ar@env.test>",
    }
    s = SmtpSettings.from_env(YAML, env=env)
    assert s is not None
    assert (s.host, s.port, s.tls, s.user, s.password) == (
        "smtp.env.test",
        465,
        "tls",
        "arflow",
        "s3cret",
    )
    assert s.sender == "应收账款部 <ar@env.test>"
    assert "s3cret" not in repr(s)


def test_host_from_env_rest_from_yaml_defaults() -> None:
    s = SmtpSettings.from_env(None, env={"ARFLOW_SMTP_HOST": "mail.test"})
    assert s == SmtpSettings(host="mail.test")


@pytest.mark.parametrize(
    ("base", "env", "named"),
    [
        (YAML, {"ARFLOW_SMTP_PORT": "twenty-five"}, "ARFLOW_SMTP_PORT"),
        (YAML, {"ARFLOW_SMTP_PORT": "70000"}, "ARFLOW_SMTP_PORT"),
        ({**YAML, "port": "smtp"}, {}, "smtp.port"),
        ({**YAML, "port": 25.5}, {}, "smtp.port"),
        (YAML, {"ARFLOW_SMTP_TLS": "ssl"}, "ARFLOW_SMTP_TLS"),
        ({**YAML, "tls": False}, {}, "smtp.tls"),
        ({**YAML, "concurrency": 0}, {}, "smtp.concurrency"),
        ({**YAML, "timeout": "soon"}, {}, "smtp.timeout"),
        ({**YAML, "sender": "x@y"}, {}, "smtp.sender"),
        ({**YAML, "user": "arflow"}, {}, "ARFLOW_SMTP_PASSWORD"),
    ],
)
def test_bad_values_name_the_setting_in_one_line(
    base: dict[str, object], env: dict[str, str], named: str
) -> None:
    with pytest.raises(ValueError) as caught:
        SmtpSettings.from_env(base, env=env)
    message = str(caught.value)
    assert message.startswith(named)
    assert "\n" not in message
