"""A real WordPress for tests: Debian's `wordpress` package (6.1), PHP's built-in server,
MariaDB. One throwaway database and database user per test session, a temporary document
root (the package's top-level PHP files copied, wp-admin and wp-includes linked, an own
wp-config and wp-content), installed with `wp_install()`, served by `php -S` on a free
port. `WP_ENVIRONMENT_TYPE=local` lets application passwords work over plain HTTP.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from base64 import b64encode
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import free_port

WP_SRC = Path("/usr/share/wordpress")
ROOT = Path(__file__).resolve().parents[2]
FORWARDER = ROOT / "contrib" / "wordpress" / "colombe-forward.php"


def missing() -> str | None:
    """Why a real WordPress cannot run here (None when it can)."""
    if not (WP_SRC / "wp-settings.php").is_file():
        return "Debian package `wordpress` is not installed (scripts/ensure-wordpress.sh installs it)"
    if shutil.which("php") is None:
        return "Debian package `php-cli` is not installed"
    mods = subprocess.run(["php", "-m"], capture_output=True, text=True).stdout.split()
    if "mysqli" not in mods:
        return "PHP has no mysqli (Debian package `php-mysql`)"
    if shutil.which("mariadb") is None:
        return "the MariaDB client is not installed"
    ping = subprocess.run(["mariadb", "-uroot", "-e", "SELECT 1"], capture_output=True, text=True)
    if ping.returncode != 0:
        return f"MariaDB is not answering as root over its socket: {ping.stderr.strip()[:200]}"
    return None


def _sql(statement: str) -> None:
    subprocess.run(["mariadb", "-uroot", "-e", statement], check=True, capture_output=True, text=True)


def _socket() -> str:
    out = subprocess.run(["mariadb", "-uroot", "-N", "-e", "SELECT @@socket"], check=True, capture_output=True,
                         text=True).stdout.strip()
    return out or "/run/mysqld/mysqld.sock"


TEST_PLUGIN = """<?php
// Test-only: visitors may comment through the REST API (WordPress allows it only to logged-in
// users by default), and the flood check does not slow the test's quick comments down.
add_filter( 'rest_allow_anonymous_comments', '__return_true' );
add_filter( 'wp_is_comment_flood', '__return_false', 99 );
"""

# Test-only and dormant: nothing changes until a test sets one of its options (set_option).
# - colombe_test_status_only: a site whose `rest_preprocess_comment` filter keeps nothing of a
#   comment update (the status is never a prepared field), so WordPress takes its status-only path;
# - colombe_test_moderate_after_read = "<comment id>:<status>": once, right after serving that
#   comment's edit view, WordPress gives it that status, the way a moderator acting in WordPress
#   between Colombe's read and Colombe's write would.
# While colombe_test_status_only is set, every answer to a comment update is also recorded in
# the option colombe_test_answers ("<method> <comment id> <HTTP status> <error code>;" each).
STATUS_ONLY_PLUGIN = """<?php
add_filter( 'rest_post_dispatch', function ( $response, $server, $request ) {
    if ( get_option( 'colombe_test_status_only' ) && 'GET' !== $request->get_method()
        && preg_match( '#^/wp/v2/comments/(\\d+)$#', $request->get_route(), $m ) ) {
        $data = $response->get_data();
        $code = ( is_array( $data ) && isset( $data['code'] ) ) ? $data['code'] : '-';
        update_option( 'colombe_test_answers', get_option( 'colombe_test_answers', '' )
            . sprintf( '%s %d %d %s;', $request->get_method(), $m[1], $response->get_status(), $code ), false );
    }
    return $response;
}, 10, 3 );
add_filter( 'rest_preprocess_comment', function ( $prepared, $request ) {
    if ( get_option( 'colombe_test_status_only' ) && isset( $request['id'] )
        && in_array( $request->get_method(), array( 'POST', 'PUT', 'PATCH' ), true ) ) {
        return array();
    }
    return $prepared;
}, 10, 2 );
add_filter( 'rest_prepare_comment', function ( $response, $comment, $request ) {
    $after = get_option( 'colombe_test_moderate_after_read' );
    if ( $after && 'GET' === $request->get_method() && 'edit' === $request['context'] ) {
        list( $id, $status ) = explode( ':', $after, 2 );
        if ( (int) $id === (int) $comment->comment_ID ) {
            delete_option( 'colombe_test_moderate_after_read' );
            wp_set_comment_status( $comment->comment_ID, $status );
        }
    }
    return $response;
}, 10, 3 );
"""

ROUTER = """<?php
// php -S router: real files are served as they are, everything else goes to WordPress.
$path = parse_url( $_SERVER['REQUEST_URI'], PHP_URL_PATH );
if ( $path !== '/' && is_file( __DIR__ . $path ) ) {
    return false;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
require __DIR__ . '/index.php';
"""

INSTALL = r"""<?php
define( 'WP_INSTALLING', true );
$_SERVER['HTTP_HOST'] = $argv[2];
$_SERVER['REQUEST_URI'] = '/';
require $argv[1] . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
$admin_password = wp_generate_password( 24 );
wp_install( 'Le carnet des oiseaux', 'admin', 'admin@example.org', false, '', $admin_password );
update_option( 'comment_moderation', '1' );          // every comment waits for moderation
update_option( 'comment_previously_approved', '0' );
update_option( 'require_name_email', '1' );
global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '/%postname%/' );
$wp_rewrite->flush_rules( false );
$editor = wp_insert_user( array( 'user_login' => 'moderation', 'user_pass' => wp_generate_password( 24 ),
    'user_email' => 'moderation@example.org', 'role' => 'editor' ) );
$post = wp_insert_post( array( 'post_title' => 'Les oiseaux en hiver',
    'post_content' => 'Comment nourrir les mésanges et les rouges-gorges quand il gèle.',
    'post_status' => 'publish', 'post_author' => 1 ) );
list( $app_password ) = WP_Application_Passwords::create_new_application_password( $editor, array( 'name' => 'Colombe' ) );
echo json_encode( array( 'post' => $post, 'user' => 'moderation', 'app_password' => $app_password,
    'version' => get_bloginfo( 'version' ) ) );
"""


@dataclass
class WordPress:
    url: str
    docroot: Path
    database: str
    post_id: int = 0
    user: str = ""
    app_password: str = ""
    version: str = ""
    process: subprocess.Popen | None = field(default=None, repr=False)

    def request(self, method: str, path: str, body: dict | None = None, auth: bool = True):
        """(status, JSON) of a REST API call (`path` after /wp-json)."""
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = "Basic " + b64encode(f"{self.user}:{self.app_password}".encode()).decode()
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + "/wp-json" + path, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def comment_status(self, comment_id: int) -> str:
        status, doc = self.request("GET", f"/wp/v2/comments/{comment_id}?context=edit")
        assert status == 200, doc
        return doc["status"]

    def visitor_comment(self, text: str, author: str = "Camille") -> dict:
        """A visitor's comment through the REST API, as a comment form would send it."""
        status, doc = self.request("POST", "/wp/v2/comments", {
            "post": self.post_id, "content": text, "author_name": author,
            "author_email": f"{author.lower()}@example.org"}, auth=False)
        assert status == 201, doc
        return doc


def start(tmp: Path, colombe: dict | None = None) -> WordPress:
    """Install and serve a fresh WordPress; `colombe` = {url, site_id, secret} installs the
    forwarder plugin (contrib/wordpress/colombe-forward.php) configured for it."""
    suffix = secrets.token_hex(4)
    database, db_user, db_password = f"colombe_wp_{suffix}", f"cwp_{suffix}", secrets.token_urlsafe(18)
    _sql(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4; "
         f"CREATE USER '{db_user}'@'localhost' IDENTIFIED BY '{db_password}'; "
         f"GRANT ALL PRIVILEGES ON `{database}`.* TO '{db_user}'@'localhost';")
    docroot = tmp / "wordpress"
    docroot.mkdir()
    for entry in WP_SRC.iterdir():
        if entry.name in ("wp-config.php", "wp-content", ".htaccess"):
            continue
        if entry.is_dir():
            (docroot / entry.name).symlink_to(entry)
        else:
            shutil.copy(entry, docroot / entry.name)  # copied: ABSPATH comes from their own folder
    content = docroot / "wp-content"
    (content / "mu-plugins").mkdir(parents=True)
    (content / "plugins").mkdir()
    (content / "languages").symlink_to(WP_SRC / "wp-content" / "languages")
    (content / "mu-plugins" / "colombe-test.php").write_text(TEST_PLUGIN)
    (content / "mu-plugins" / "colombe-test-status-only.php").write_text(STATUS_ONLY_PLUGIN)
    constants = ""
    if colombe:
        shutil.copy(FORWARDER, content / "mu-plugins" / "colombe-forward.php")
        constants = (f"define( 'COLOMBE_URL', {json.dumps(colombe['url'])} );\n"
                     f"define( 'COLOMBE_SITE_ID', {json.dumps(colombe['site_id'])} );\n"
                     f"define( 'COLOMBE_WEBHOOK_SECRET', {json.dumps(colombe['secret'])} );\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    keys = "".join(f"define( '{k}', '{secrets.token_hex(32)}' );\n" for k in (
        "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT", "SECURE_AUTH_SALT",
        "LOGGED_IN_SALT", "NONCE_SALT"))
    (docroot / "wp-config.php").write_text(
        "<?php\n"
        f"define( 'DB_NAME', '{database}' );\ndefine( 'DB_USER', '{db_user}' );\n"
        f"define( 'DB_PASSWORD', '{db_password}' );\ndefine( 'DB_HOST', 'localhost:{_socket()}' );\n"
        "define( 'DB_CHARSET', 'utf8mb4' );\ndefine( 'DB_COLLATE', '' );\n" + keys +
        "$table_prefix = 'wp_';\n"
        "define( 'WP_ENVIRONMENT_TYPE', 'local' );\n"
        f"define( 'WP_HOME', '{url}' );\ndefine( 'WP_SITEURL', '{url}' );\n"
        "define( 'DISABLE_WP_CRON', true );\ndefine( 'AUTOMATIC_UPDATER_DISABLED', true );\n"
        "define( 'WP_DEBUG', false );\n" + constants +
        "if ( ! defined( 'ABSPATH' ) ) { define( 'ABSPATH', __DIR__ . '/' ); }\n"
        "require_once ABSPATH . 'wp-settings.php';\n")
    (tmp / "router.php").write_text(ROUTER.replace("__DIR__", repr(str(docroot))))
    (tmp / "install.php").write_text(INSTALL)
    installed = subprocess.run(["php", str(tmp / "install.php"), str(docroot), f"127.0.0.1:{port}"],
                               capture_output=True, text=True, timeout=120)
    if installed.returncode != 0 or not installed.stdout.strip().startswith("{"):
        raise RuntimeError(f"wp_install failed: {installed.stdout[-2000:]} {installed.stderr[-2000:]}")
    info = json.loads(installed.stdout[installed.stdout.index("{"):])
    log = open(tmp / "php-server.log", "w")
    proc = subprocess.Popen(["php", "-S", f"127.0.0.1:{port}", "-t", str(docroot), str(tmp / "router.php")],
                            cwd=docroot, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"})
    wp = WordPress(url=url, docroot=docroot, database=database, post_id=int(info["post"]), user=info["user"],
                   app_password=info["app_password"], version=info["version"], process=proc)
    wp.db_user = db_user
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if wp.request("GET", "/wp/v2/comments", auth=True)[0] == 200:
                return wp
        except OSError:
            pass
        time.sleep(0.2)
    stop(wp)
    raise RuntimeError("php -S did not answer: " + (tmp / "php-server.log").read_text()[-2000:])


def set_option(wp: WordPress, name: str, value: str | None) -> None:
    """Set (or, with None, delete) a WordPress option straight in its database."""
    assert re.fullmatch(r"[a-z_]+", name) and (value is None or re.fullmatch(r"[A-Za-z0-9_: ;]*", value))
    table = f"`{wp.database}`.wp_options"
    if value is None:
        _sql(f"DELETE FROM {table} WHERE option_name = '{name}';")
    else:
        _sql(f"REPLACE INTO {table} (option_name, option_value, autoload) VALUES ('{name}', '{value}', 'no');")


def get_option(wp: WordPress, name: str) -> str | None:
    assert re.fullmatch(r"[a-z_]+", name)
    out = subprocess.run(["mariadb", "-uroot", "-N", "-e", f"SELECT option_value FROM `{wp.database}`.wp_options "
                          f"WHERE option_name = '{name}'"], check=True, capture_output=True, text=True).stdout
    return out.strip() if out.strip() else None


def stop(wp: WordPress) -> None:
    if wp.process is not None:
        wp.process.terminate()
        try:
            wp.process.wait(10)
        except subprocess.TimeoutExpired:
            wp.process.kill()
    _sql(f"DROP DATABASE IF EXISTS `{wp.database}`; DROP USER IF EXISTS '{getattr(wp, 'db_user', '')}'@'localhost';")
