// Starts a process with posix_spawn (glibc: clone(CLONE_VM | CLONE_VFORK)),
// so the cost of starting git does not grow with gitward's memory the way
// fork() in Node's child_process.spawn does: fork copies the page tables of
// the whole gateway, posix_spawn copies none.
//
// spawn(file, argv, envp, cwd, onSpawned, onExit) -> [stdinFd, stdoutFd, stderrFd]
//   file      absolute path of the program (no PATH lookup here)
//   argv      array of strings, argv[0] included
//   envp      array of "NAME=value" strings: the whole environment, nothing inherited
//   cwd       working directory of the child
//   onSpawned called once with (error, pid) when the child runs or failed to start
//   onExit    called once with (exitCode, signal) after the child is reaped
// The child gets its own process group (so one signal reaches everything it
// starts), default signal dispositions and an empty signal mask (Node ignores
// SIGPIPE, which a child must not inherit), and three fresh Unix stream
// socket pairs as stdio, as libuv gives child_process (see spawn_child).
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
#include <sys/socket.h>
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

// One spawn in flight: made on the main thread, run on a libuv worker
// thread (posix_spawn suspends its calling thread until the child has
// exec'd; on a busy machine that can take milliseconds, which must not be
// the event loop's), finished on the main thread.
typedef struct {
  napi_async_work work;
  napi_env env;
  napi_ref on_spawned;
  napi_ref on_exit;
  char* file;
  char* cwd;
  char** argv;
  char** envp;
  int child_end[3];  // closed by complete()
  pid_t pid;
  int error;         // errno of a failed step, 0 when the child runs
  const char* step;
  int pidfd;
} job_t;

static void free_job(job_t* job) {
  free(job->file);
  free(job->cwd);
  free_list(job->argv);
  free_list(job->envp);
  free(job);
}

static void execute_spawn(napi_env env, void* data) {
  (void)env;
  job_t* job = data;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int err = posix_spawn_file_actions_init(&actions);
  if (err != 0) {
    job->error = err;
    job->step = "posix_spawn_file_actions_init";
    return;
  }
  for (int i = 0; i < 3 && err == 0; i++) err = posix_spawn_file_actions_adddup2(&actions, job->child_end[i], i);
  if (err == 0) err = posix_spawn_file_actions_addchdir_np(&actions, job->cwd);
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 34)
  // Stronger than close-on-exec: a descriptor someone opened without
  // O_CLOEXEC (or inherited from gitward's own parent) does not reach git.
  if (err == 0) err = posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
  if (err != 0) {
    posix_spawn_file_actions_destroy(&actions);
    job->error = err;
    job->step = "posix_spawn_file_actions";
    return;
  }
  err = posix_spawnattr_init(&attr);
  if (err != 0) {
    posix_spawn_file_actions_destroy(&actions);
    job->error = err;
    job->step = "posix_spawnattr_init";
    return;
  }
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  if (err == 0) err = posix_spawnattr_setpgroup(&attr, 0);
  if (err == 0) err = posix_spawnattr_setsigdefault(&attr, &all);
  if (err == 0) err = posix_spawnattr_setsigmask(&attr, &none);
  if (err == 0) {
    err = posix_spawn(&job->pid, job->file, &actions, &attr, job->argv, job->envp);
    if (err != 0) job->step = "posix_spawn";
  } else {
    job->step = "posix_spawnattr";
  }
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (err != 0) {
    job->error = err;
    job->pid = -1;
    return;
  }
  job->pidfd = (int)syscall(SYS_pidfd_open, job->pid, 0);
  if (job->pidfd < 0) {
    job->error = errno;
    job->step = "pidfd_open";
    kill(job->pid, SIGKILL);
    waitpid(job->pid, NULL, 0);
    job->pid = -1;
  }
}

static void complete_spawn(napi_env env, napi_status status, void* data) {
  job_t* job = data;
  for (int i = 0; i < 3; i++) close(job->child_end[i]);
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value callback, global, argv[2], result;
  napi_get_reference_value(env, job->on_spawned, &callback);
  napi_get_global(env, &global);
  if (status != napi_ok && job->error == 0) {
    job->error = ECANCELED;
    job->step = "async work";
  }
  child_t* child = NULL;
  uv_loop_t* loop = NULL;
  if (job->error == 0) {
    child = calloc(1, sizeof(child_t));
    if (child == NULL || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &child->poll, job->pidfd) != 0) {
      free(child);
      child = NULL;
      close(job->pidfd);
      kill(job->pid, SIGKILL);
      waitpid(job->pid, NULL, 0);
      job->error = ENOMEM;
      job->step = "uv_poll_init";
    }
  }
  if (child != NULL) {
    napi_value name;
    child->pid = job->pid;
    child->pidfd = job->pidfd;
    child->env = env;
    child->on_exit = job->on_exit;  // ownership moves to the child
    job->on_exit = NULL;
    napi_create_string_utf8(env, "gitward:posix-spawn", NAPI_AUTO_LENGTH, &name);
    napi_async_init(env, NULL, name, &child->async);
    uv_poll_start(&child->poll, UV_READABLE, on_pidfd);
    napi_get_null(env, &argv[0]);
    napi_create_int32(env, job->pid, &argv[1]);
  } else {
    char message[256];
    char code[32];
    snprintf(message, sizeof message, "%s: %s", job->step, strerror(job->error));
    snprintf(code, sizeof code, "E%d", job->error);
    napi_value msg, codev;
    napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &codev);
    napi_create_error(env, codev, msg, &argv[0]);
    napi_value errno_value;
    napi_create_int32(env, job->error, &errno_value);
    napi_set_named_property(env, argv[0], "errno", errno_value);
    napi_get_null(env, &argv[1]);
  }
  napi_call_function(env, global, callback, 2, argv, &result);
  napi_delete_reference(env, job->on_spawned);
  if (job->on_exit != NULL) napi_delete_reference(env, job->on_exit);
  napi_delete_async_work(env, job->work);
  napi_close_handle_scope(env, scope);
  free_job(job);
}

// spawn(file, argv, envp, cwd, onSpawned, onExit) -> [stdin, stdout, stderr]
// The socket pairs exist at once; the child is started on a worker thread and
// onSpawned(error, pid) is called on the main thread when it runs (or did
// not start), onExit(code, signal) once it has exited and been reaped.
static napi_value spawn_child(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value args[6];
  napi_get_cb_info(env, info, &argc, args, NULL, NULL);
  napi_valuetype t4, t5;
  if (argc != 6 || napi_typeof(env, args[4], &t4) != napi_ok || napi_typeof(env, args[5], &t5) != napi_ok ||
      t4 != napi_function || t5 != napi_function) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, onSpawned, onExit)");
    return NULL;
  }
  job_t* job = calloc(1, sizeof(job_t));
  if (job == NULL) {
    throw_errno(env, "calloc", ENOMEM);
    return NULL;
  }
  job->pidfd = -1;
  job->file = copy_string(env, args[0]);
  job->cwd = copy_string(env, args[3]);
  job->argv = copy_list(env, args[1]);
  job->envp = copy_list(env, args[2]);
  if (job->file == NULL || job->cwd == NULL || job->argv == NULL || job->envp == NULL || job->argv[0] == NULL) {
    free_job(job);
    napi_throw_type_error(env, NULL, "file, argv, envp and cwd must be strings without NUL bytes");
    return NULL;
  }
  // Socket pairs, not pipes: git reads a push 4 KiB at a time and writes a
  // clone's pack in sideband packets, and across a pipe each of those woke
  // gitward's event loop for one small write or read; a stream socket's
  // buffers take and give far larger pieces. Measured (docs/performance.md):
  // per 200 MB push, gitward's CPU 0.52-0.62 s -> 0.37-0.44 s and its event
  // loop's sleeps 25,000 -> 1,050; per 270 MB clone 1.5-1.7 s -> 0.5-0.7 s.
  // [i][0] is gitward's end, [i][1] the child's.
  int ends[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};
  for (int i = 0; i < 3; i++) {
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends[i]) != 0) {
      int e = errno;
      for (int k = 0; k < 3; k++)
        for (int j = 0; j < 2; j++)
          if (ends[k][j] >= 0) close(ends[k][j]);
      free_job(job);
      throw_errno(env, "socketpair", e);
      return NULL;
    }
  }
  // An end that is itself 0-2 (stdio closed in gitward) would be
  // clobbered by another dup2 in the child.
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 2; j++) {
      if (ends[i][j] <= 2) {
        for (int k = 0; k < 3; k++)
          for (int m = 0; m < 2; m++) close(ends[k][m]);
        free_job(job);
        throw_errno(env, "socketpair returned a standard descriptor", EBADF);
        return NULL;
      }
    }
  }
  job->child_end[0] = ends[0][1];
  job->child_end[1] = ends[1][1];
  job->child_end[2] = ends[2][1];
  job->env = env;
  napi_create_reference(env, args[4], 1, &job->on_spawned);
  napi_create_reference(env, args[5], 1, &job->on_exit);
  napi_value name;
  napi_create_string_utf8(env, "gitward:posix-spawn", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute_spawn, complete_spawn, job, &job->work) != napi_ok ||
      napi_queue_async_work(env, job->work) != napi_ok) {
    for (int k = 0; k < 3; k++)
      for (int m = 0; m < 2; m++) close(ends[k][m]);
    napi_delete_reference(env, job->on_spawned);
    napi_delete_reference(env, job->on_exit);
    free_job(job);
    throw_errno(env, "napi_queue_async_work", EAGAIN);
    return NULL;
  }
  napi_value out, fd;
  napi_create_array_with_length(env, 3, &out);
  for (int i = 0; i < 3; i++) {
    napi_create_int32(env, ends[i][0], &fd);
    napi_set_element(env, out, i, fd);
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, spawn_child, NULL, &fn);
  napi_set_named_property(env, exports, "spawn", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
