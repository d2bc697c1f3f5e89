/* commands.h - the subcommands of the `ccgc` command (main.c). Each
 * takes its own argv (argv[0] is the subcommand name), prints --help, and
 * returns the process exit code: 0 success, 1 failure, 2 usage error. */
#ifndef CCGC_TOOLS_COMMANDS_H
#define CCGC_TOOLS_COMMANDS_H

int ccgc_cmd_demo(int argc, char **argv);
int ccgc_cmd_stress(int argc, char **argv);
int ccgc_cmd_bench(int argc, char **argv);
int ccgc_cmd_snapshot(int argc, char **argv);
int ccgc_cmd_dot(int argc, char **argv);
int ccgc_cmd_why(int argc, char **argv);
int ccgc_cmd_stats(int argc, char **argv);

#endif
