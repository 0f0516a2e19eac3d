// Starts a process with posix_spawn (glibc: clone(CLONE_VM | CLONE_VFORK)),
// so the cost of starting git does not grow with gitward's memory the way
// fork() in Node's child_process.spawn does: fork copies the page tables of
// the whole gateway, posix_spawn copies none.
//
// spawn(file, argv, envp, cwd, onExit) -> [pid, stdinFd, stdoutFd, stderrFd]
//   file   absolute path of the program (no PATH lookup here)
//   argv   array of strings, argv[0] included
//   envp   array of "NAME=value" strings: the whole environment, nothing inherited
//   cwd    working directory of the child
//   onExit called once with (exitCode, signal) after the child is reaped
// The child gets its own process group (so one signal reaches everything it
// starts), default signal dispositions and an empty signal mask (Node ignores
// SIGPIPE, which a child must not inherit), and three fresh pipes as stdio.
// Every other descriptor is closed in the child (closefrom 3), even one
// opened without close-on-exec.
//
// Exit is watched with a pidfd polled on libuv's loop and reaped with
// waitpid on that one pid: libuv's own SIGCHLD handler reaps only the pids
// it started, so the two never take each other's children.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

typedef struct {
  uv_poll_t poll;
  pid_t pid;
  int pidfd;
  napi_env env;
  napi_ref on_exit;
  napi_async_context async;
} child_t;

static int throw_errno(napi_env env, const char* what, int err) {
  char message[256];
  snprintf(message, sizeof message, "%s: %s", what, strerror(err));
  char code[32];
  snprintf(code, sizeof code, "E%d", err);
  napi_throw_error(env, code, message);
  return -1;
}

static char* copy_string(napi_env env, napi_value value) {
  size_t length = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char* text = malloc(length + 1);
  if (text == NULL) return NULL;
  if (napi_get_value_string_utf8(env, value, text, length + 1, &length) != napi_ok) {
    free(text);
    return NULL;
  }
  // An embedded NUL would silently shorten an argument or a variable.
  if (strlen(text) != length) {
    free(text);
    return NULL;
  }
  return text;
}

static void free_list(char** list) {
  if (list == NULL) return;
  for (char** p = list; *p != NULL; p++) free(*p);
  free(list);
}

static char** copy_list(napi_env env, napi_value array) {
  bool is_array = false;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array) return NULL;
  uint32_t n = 0;
  napi_get_array_length(env, array, &n);
  char** list = calloc((size_t)n + 1, sizeof(char*));
  if (list == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    napi_valuetype type;
    if (napi_get_element(env, array, i, &item) != napi_ok || napi_typeof(env, item, &type) != napi_ok ||
        type != napi_string || (list[i] = copy_string(env, item)) == NULL) {
      free_list(list);
      return NULL;
    }
  }
  return list;
}

static void on_closed(uv_handle_t* handle) {
  child_t* child = (child_t*)handle;
  napi_delete_reference(child->env, child->on_exit);
  napi_async_destroy(child->env, child->async);
  free(child);
}

static void on_pidfd(uv_poll_t* poll, int status, int events) {
  (void)status;
  (void)events;
  child_t* child = (child_t*)poll;
  int wstatus = 0;
  pid_t r;
  do {
    r = waitpid(child->pid, &wstatus, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return;  // not exited yet (spurious wake-up)
  uv_poll_stop(poll);
  close(child->pidfd);
  int code = -1;
  int sig = 0;
  if (r > 0 && WIFEXITED(wstatus)) code = WEXITSTATUS(wstatus);
  else if (r > 0 && WIFSIGNALED(wstatus)) sig = WTERMSIG(wstatus);

  napi_env env = child->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, global, argv[2], result;
  napi_get_reference_value(env, child->on_exit, &callback);
  napi_get_global(env, &global);
  if (code >= 0) napi_create_int32(env, code, &argv[0]);
  else napi_get_null(env, &argv[0]);
  napi_create_int32(env, sig, &argv[1]);
  napi_make_callback(env, child->async, global, callback, 2, argv, &result);
  napi_close_handle_scope(env, scope);
  uv_close((uv_handle_t*)poll, on_closed);
}

static napi_value spawn_child(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  if (argc != 5) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, onExit)");
    return NULL;
  }
  napi_valuetype type;
  napi_typeof(env, args[4], &type);
  if (type != napi_function) {
    napi_throw_type_error(env, NULL, "onExit must be a function");
    return NULL;
  }
  char* file = copy_string(env, args[0]);
  char* cwd = copy_string(env, args[3]);
  char** argv = copy_list(env, args[1]);
  char** envp = copy_list(env, args[2]);
  napi_value out = NULL;
  int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int have_actions = 0, have_attr = 0;
  pid_t pid = -1;
  int pidfd = -1;

  if (file == NULL || cwd == NULL || argv == NULL || envp == NULL || argv[0] == NULL) {
    napi_throw_type_error(env, NULL, "file, argv, envp and cwd must be strings without NUL bytes");
    goto done;
  }
  for (int i = 0; i < 3; i++) {
    if (pipe2(pipes[i], O_CLOEXEC) != 0) {
      throw_errno(env, "pipe2", errno);
      goto done;
    }
  }
  // The child's end of each pipe, moved onto 0, 1 and 2. A pipe end that is
  // itself 0-2 (stdio closed in gitward) would be clobbered by another dup2.
  int child_end[3] = {pipes[0][0], pipes[1][1], pipes[2][1]};
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 2; j++) {
      if (pipes[i][j] <= 2) {
        throw_errno(env, "pipe2 returned a standard descriptor", EBADF);
        goto done;
      }
    }
  }
  int err = posix_spawn_file_actions_init(&actions);
  if (err != 0) {
    throw_errno(env, "posix_spawn_file_actions_init", err);
    goto done;
  }
  have_actions = 1;
  for (int i = 0; i < 3 && err == 0; i++) err = posix_spawn_file_actions_adddup2(&actions, child_end[i], i);
  if (err == 0) err = posix_spawn_file_actions_addchdir_np(&actions, cwd);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
  // Stronger than close-on-exec: a descriptor someone opened without
  // O_CLOEXEC (or inherited from gitward's own parent) does not reach git.
  if (err == 0) err = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  if (err != 0) {
    throw_errno(env, "posix_spawn_file_actions", err);
    goto done;
  }
  err = posix_spawnattr_init(&attr);
  if (err != 0) {
    throw_errno(env, "posix_spawnattr_init", err);
    goto done;
  }
  have_attr = 1;
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  if (err == 0) err = posix_spawnattr_setpgroup(&attr, 0);
  if (err == 0) err = posix_spawnattr_setsigdefault(&attr, &all);
  if (err == 0) err = posix_spawnattr_setsigmask(&attr, &none);
  if (err != 0) {
    throw_errno(env, "posix_spawnattr", err);
    goto done;
  }
  err = posix_spawn(&pid, file, &actions, &attr, argv, envp);
  if (err != 0) {
    pid = -1;
    throw_errno(env, "posix_spawn", err);
    goto done;
  }
  pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    int e = errno;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    throw_errno(env, "pidfd_open", e);
    goto done;
  }
  child_t* child = calloc(1, sizeof(child_t));
  uv_loop_t* loop = NULL;
  napi_value name;
  if (child == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &child->poll, pidfd) != 0) {
    free(child);
    close(pidfd);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    throw_errno(env, "uv_poll_init", ENOMEM);
    goto done;
  }
  child->pid = pid;
  child->pidfd = pidfd;
  child->env = env;
  napi_create_reference(env, args[4], 1, &child->on_exit);
  napi_create_string_utf8(env, "gitward:posix-spawn", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &child->async);
  uv_poll_start(&child->poll, UV_READABLE, on_pidfd);

  // The parent keeps the other ends; the child's ends are closed below.
  napi_value result[4];
  napi_create_int32(env, pid, &result[0]);
  napi_create_int32(env, pipes[0][1], &result[1]);
  napi_create_int32(env, pipes[1][0], &result[2]);
  napi_create_int32(env, pipes[2][0], &result[3]);
  napi_create_array_with_length(env, 4, &out);
  for (uint32_t i = 0; i < 4; i++) napi_set_element(env, out, i, result[i]);
  close(pipes[0][0]);
  close(pipes[1][1]);
  close(pipes[2][1]);
  pipes[0][1] = pipes[1][0] = pipes[2][0] = -1;
  pipes[0][0] = pipes[1][1] = pipes[2][1] = -1;

done:
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 2; j++)
      if (pipes[i][j] >= 0) close(pipes[i][j]);
  if (have_actions) posix_spawn_file_actions_destroy(&actions);
  if (have_attr) posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_list(argv);
  free_list(envp);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn_child, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
