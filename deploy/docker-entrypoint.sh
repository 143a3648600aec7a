#!/bin/sh
# The image's entry point: migrate the database, then run the wgbot subcommand given
# (`serve` by default). Several containers may start at once: `wgbot migrate` takes a
# lock, so one migrates and the others find nothing left to do.
set -e
if [ "$#" -eq 0 ]; then
    set -- serve
fi
case "$1" in
    serve|worker|start)
        wgbot migrate
        ;;
esac
exec wgbot "$@"
