"""JupyterHub for one class of the course on one machine (read by `make hub`, run as root).

Everything about the class (its Unix groups, the venv, the folders) comes from the settings file that
`hub/setup.py` writes, named by COURSE_HUB_SETTINGS (default /etc/jupyter/aws-cloud-practitioner/hub.json):

- who may log in: the members of the students' and the instructors' Unix groups (made by `hub/users`),
  through JupyterHub's default PAMAuthenticator (their Unix passwords); the instructors are hub admins;
- what each gets: their own JupyterLab (`jupyterhub-singleuser` from the course's venv) as their own
  Unix user in their own home folder, with nbgrader's Assignment List and Validate for everyone, and
  formgrader, Create Assignment and Course List for instructors only (a config folder per role, put
  first on JUPYTER_CONFIG_PATH);
- the proxy: configurable-http-proxy from hub/node_modules (`npm ci --prefix hub`).

For a real class, add to this file (or a file loaded after it) an authenticator and HTTPS: see
"Run it for a class" in README.md.
"""

import grp
import json
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETTINGS_FILE = Path(os.environ.get("COURSE_HUB_SETTINGS", "/etc/jupyter/aws-cloud-practitioner/hub.json"))
if not SETTINGS_FILE.is_file():
    raise SystemExit(f"no class settings at {SETTINGS_FILE}: run hub/setup.py first (make hub does)")
settings = json.loads(SETTINGS_FILE.read_text())
venv_bin = Path(settings["venv_bin"])
state = Path(settings["state"])
state.mkdir(mode=0o700, parents=True, exist_ok=True)

c = get_config()  # noqa: F821 (provided by traitlets when JupyterHub loads this file)

# Where the hub listens (the proxy), and its own internal ports, all on this machine.
c.JupyterHub.bind_url = settings["bind_url"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [str(HERE / "node_modules" / ".bin" / "configurable-http-proxy")]
c.ConfigurableHTTPProxy.pid_file = str(state / "proxy.pid")
c.ConfigurableHTTPProxy.debug = False
# The hub's own state: its database and cookie secret, readable by root only.
c.JupyterHub.db_url = f"sqlite:///{state / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(state / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(state / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops everyone's JupyterLab

# Who may log in: local Unix users of the class's groups, with their Unix passwords (PAM).
c.JupyterHub.authenticator_class = "pam"
c.PAMAuthenticator.allowed_groups = {settings["students_group"], settings["instructors_group"]}
c.PAMAuthenticator.admin_groups = {settings["instructors_group"]}

# Each user's JupyterLab, as that Unix user, in their home folder.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(venv_bin / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 90
c.Spawner.environment = {
    # `course`, `nbgrader` and the venv's Python first in a JupyterLab terminal, too.
    "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
}


def is_instructor(name: str) -> bool:
    """Whether NAME is a member of the instructors' Unix group (read at each start, no restart needed)."""
    try:
        group = grp.getgrnam(settings["instructors_group"])
    except KeyError:
        return False
    return name in group.gr_mem


def role_config(spawner) -> None:
    """Put the role's config folder (which nbgrader extensions are on) first on JUPYTER_CONFIG_PATH."""
    role = "instructor" if is_instructor(spawner.user.name) else "student"
    spawner.environment = {**spawner.environment, "JUPYTER_CONFIG_PATH": settings["role_config"][role]}


c.Spawner.pre_spawn_hook = role_config
