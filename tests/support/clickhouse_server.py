"""A private ClickHouse server for the tests: Debian's clickhouse-server with
its own config, data directory and ports on 127.0.0.1 (never the system
service), stopped and removed on exit whatever happened.

As a module:   with ClickHouse(workdir) as ch: ch.url, ch.query("SELECT 1")
As a command:  clickhouse_server.py WORKDIR -- CMD ARGS...
               runs CMD with CLT_CLICKHOUSE_URL=clickhouse://127.0.0.1:PORT/clt_test
               and exits with its status."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

SERVER = "/usr/sbin/clickhouse-server"

CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>{dir}/log/server.log</log>
    <errorlog>{dir}/log/error.log</errorlog>
    <console>0</console>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>{http_port}</http_port>
  <tcp_port>{tcp_port}</tcp_port>
  <interserver_http_port>{interserver_port}</interserver_http_port>
  <path>{dir}/data/</path>
  <tmp_path>{dir}/tmp/</tmp_path>
  <user_files_path>{dir}/user_files/</user_files_path>
  <format_schema_path>{dir}/format_schemas/</format_schema_path>
  <users_config>{dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <mlock_executable>false</mlock_executable>
  <timezone>UTC</timezone>
</yandex>
"""

USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ClickHouse:
    def __init__(self, workdir, database="clt_test"):
        self.dir = os.path.join(os.path.abspath(workdir), "clickhouse")
        self.database = database
        self.proc = None
        self.http_port = None

    @property
    def url(self):
        return "clickhouse://127.0.0.1:%d/%s" % (self.http_port, self.database)

    def start(self):
        if not os.access(SERVER, os.X_OK):
            raise RuntimeError(SERVER + " is missing: apt-get install clickhouse-server "
                               "(scripts/install-deps.sh test installs it)")
        for sub in ("log", "data", "tmp", "user_files", "format_schemas"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        if self.http_port is None:
            self.http_port = free_port()
            self.tcp_port = free_port()
            self.interserver_port = free_port()
        with open(os.path.join(self.dir, "config.xml"), "w") as f:
            f.write(CONFIG.format(dir=self.dir, http_port=self.http_port,
                                  tcp_port=self.tcp_port,
                                  interserver_port=self.interserver_port))
        with open(os.path.join(self.dir, "users.xml"), "w") as f:
            f.write(USERS)
        self.out = open(os.path.join(self.dir, "log", "stdout.log"), "ab")
        self.proc = subprocess.Popen(
            [SERVER, "--config-file=" + os.path.join(self.dir, "config.xml")],
            stdout=self.out, stderr=self.out, cwd=self.dir, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("clickhouse-server exited with %d; see %s/log"
                                   % (self.proc.returncode, self.dir))
            try:
                if self.raw_get("/ping") == b"Ok.\n":
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("clickhouse-server did not answer /ping within 60 s; see %s/log"
                           % self.dir)

    def raw_get(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.http_port, path),
                                    timeout=5) as r:
            return r.read()

    def query(self, sql):
        """The server's TabSeparated answer to sql, as text."""
        req = urllib.request.Request("http://127.0.0.1:%d/" % self.http_port,
                                     data=sql.encode())
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return r.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError("ClickHouse refused %r: %s" % (sql, e.read().decode()))

    def stop(self):
        """Stops the server (kept on disk: start() brings it back with its data)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None
        self.out.close()

    def remove(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.remove()


def main(argv):
    if len(argv) < 4 or argv[2] != "--":
        print("usage: clickhouse_server.py WORKDIR -- CMD ARGS...", file=sys.stderr)
        return 2
    workdir = argv[1]
    os.makedirs(workdir, exist_ok=True)
    ch = ClickHouse(workdir)
    try:
        ch.start()
        env = dict(os.environ, CLT_CLICKHOUSE_URL=ch.url)
        return subprocess.call(argv[3:], env=env)
    finally:
        ch.remove()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
