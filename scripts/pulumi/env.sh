# Sourced by up-local.sh (test/integration/pulumi-local.test.ts sets the same variables): the environment
# in which the locally built Pulumi CLI runs the `local` stack with no network and no account.
#   PULUMI_STATE_DIR   file backend directory  (default: $DEBUG_HOST_CACHE_DIR/pulumi-state)
#   PULUMI_CONFIG_PASSPHRASE  default "debug-host-local": encrypts Pulumi.local.yaml's secrets,
#                      which are local-only placeholders, so the passphrase may be public.
# shellcheck source=version.sh
source "$(dirname "${BASH_SOURCE[0]}")/version.sh"
_cache=${DEBUG_HOST_CACHE_DIR:-$HOME/.cache/debug-host}
export PULUMI_BIN_DIR=$_cache/pulumi-$PULUMI_VERSION/bin
export PULUMI_STATE_DIR=${PULUMI_STATE_DIR:-$_cache/pulumi-state}
# PATH first: the CLI takes pulumi-language-nodejs and pulumi-resource-kubernetes from it.
export PATH=$PULUMI_BIN_DIR:$PATH
export PULUMI_HOME=${PULUMI_HOME:-$_cache/pulumi-home}
export PULUMI_BACKEND_URL=file://$PULUMI_STATE_DIR
export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE:-debug-host-local}
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK=true
mkdir -p "$PULUMI_STATE_DIR" "$PULUMI_HOME"
unset _cache
