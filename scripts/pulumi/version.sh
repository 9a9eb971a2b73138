# Sourced by build.sh and env.sh: the Pulumi CLI and language host are built at the version of
# @pulumi/pulumi in the root package.json, so that file is the one place it is set.
_pulumi_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PULUMI_VERSION=v$(sed -n 's/^ *"@pulumi\/pulumi": "\([0-9][^"]*\)".*/\1/p' "$_pulumi_root/package.json")
[[ $PULUMI_VERSION != v ]] || { echo "no @pulumi/pulumi version in $_pulumi_root/package.json" >&2; return 1; }
unset _pulumi_root
