# Source this file, do not run it:   . <env>/bin/activate      (bash, zsh, dash, ksh)
#
# Written by tpb pack-env. It finds the environment from its own location, so it works wherever the
# environment was extracted (Triton extracts archives to a temporary directory it chooses), and sourcing it
# again is harmless. It sets @ENV_VAR@, PATH, LD_LIBRARY_PATH and PYTHONNOUSERSITE=True, unsets PYTHONHOME,
# and runs conda's etc/conda/activate.d hooks if there are any. 'deactivate' undoes it.

_tpb_script=
if [ -n "${BASH_VERSION:-}" ]; then
    _tpb_script=$BASH_SOURCE
elif [ -n "${ZSH_VERSION:-}" ]; then
    eval '_tpb_script=${(%):-%x}'
fi
if [ -z "$_tpb_script" ] && [ -d "/proc/$$/fd" ]; then
    # dash and other POSIX shells do not say which file they are sourcing, but it is open while they read it.
    for _tpb_fd in /proc/$$/fd/*; do
        _tpb_target=$(readlink "$_tpb_fd" 2>/dev/null) || continue
        case $_tpb_target in
            */bin/activate) _tpb_script=$_tpb_target; break ;;
        esac
    done
    unset _tpb_fd _tpb_target
fi
if [ -z "$_tpb_script" ]; then
    echo "activate: cannot tell where this environment is; source it from bash, zsh or dash on Linux" >&2
    unset _tpb_script
    return 1 2>/dev/null || exit 1
fi
_tpb_env=$(cd "$(dirname -- "$_tpb_script")/.." && pwd)
unset _tpb_script

if [ "${_TPB_ACTIVE_ENV:-}" != "$_tpb_env" ]; then
    if [ -n "${_TPB_ACTIVE_ENV:-}" ] && command -v deactivate >/dev/null 2>&1; then
        deactivate
    fi

    _TPB_OLD_PATH=$PATH
    _TPB_OLD_LD_LIBRARY_PATH=${LD_LIBRARY_PATH-}; _TPB_HAD_LD_LIBRARY_PATH=${LD_LIBRARY_PATH+1}
    _TPB_OLD_PYTHONNOUSERSITE=${PYTHONNOUSERSITE-}; _TPB_HAD_PYTHONNOUSERSITE=${PYTHONNOUSERSITE+1}
    _TPB_OLD_PYTHONHOME=${PYTHONHOME-}; _TPB_HAD_PYTHONHOME=${PYTHONHOME+1}
    _TPB_OLD_ENV_VAR=${@ENV_VAR@-}; _TPB_HAD_ENV_VAR=${@ENV_VAR@+1}

    @ENV_VAR@=$_tpb_env; export @ENV_VAR@
    PATH="$_tpb_env/bin:$PATH"; export PATH
    LD_LIBRARY_PATH="$_tpb_env/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; export LD_LIBRARY_PATH
    PYTHONNOUSERSITE=True; export PYTHONNOUSERSITE
    unset PYTHONHOME
    _TPB_ACTIVE_ENV=$_tpb_env

    deactivate() {
        [ -n "${_TPB_ACTIVE_ENV:-}" ] || return 0
        if [ -d "$_TPB_ACTIVE_ENV/etc/conda/deactivate.d" ]; then
            for _tpb_hook in "$_TPB_ACTIVE_ENV"/etc/conda/deactivate.d/*.sh; do
                if [ -f "$_tpb_hook" ]; then . "$_tpb_hook"; fi
            done
            unset _tpb_hook
        fi
        PATH=$_TPB_OLD_PATH; export PATH
        if [ -n "$_TPB_HAD_LD_LIBRARY_PATH" ]; then
            LD_LIBRARY_PATH=$_TPB_OLD_LD_LIBRARY_PATH; export LD_LIBRARY_PATH
        else
            unset LD_LIBRARY_PATH
        fi
        if [ -n "$_TPB_HAD_PYTHONNOUSERSITE" ]; then
            PYTHONNOUSERSITE=$_TPB_OLD_PYTHONNOUSERSITE; export PYTHONNOUSERSITE
        else
            unset PYTHONNOUSERSITE
        fi
        if [ -n "$_TPB_HAD_PYTHONHOME" ]; then PYTHONHOME=$_TPB_OLD_PYTHONHOME; export PYTHONHOME; fi
        if [ -n "$_TPB_HAD_ENV_VAR" ]; then
            @ENV_VAR@=$_TPB_OLD_ENV_VAR; export @ENV_VAR@
        else
            unset @ENV_VAR@
        fi
        unset _TPB_ACTIVE_ENV _TPB_OLD_PATH _TPB_OLD_LD_LIBRARY_PATH _TPB_HAD_LD_LIBRARY_PATH \
            _TPB_OLD_PYTHONNOUSERSITE _TPB_HAD_PYTHONNOUSERSITE _TPB_OLD_PYTHONHOME _TPB_HAD_PYTHONHOME \
            _TPB_OLD_ENV_VAR _TPB_HAD_ENV_VAR
        hash -r 2>/dev/null || true
        unset -f deactivate 2>/dev/null || true
    }

    if [ -d "$_tpb_env/etc/conda/activate.d" ]; then
        for _tpb_hook in "$_tpb_env"/etc/conda/activate.d/*.sh; do
            if [ -f "$_tpb_hook" ]; then . "$_tpb_hook"; fi
        done
        unset _tpb_hook
    fi
    hash -r 2>/dev/null || true
fi
unset _tpb_env
