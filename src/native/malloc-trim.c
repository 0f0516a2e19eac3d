// trim() -> boolean | null
//
// Gives the C heap's free memory back to the kernel (glibc's malloc_trim(0),
// which walks every arena, the threads' too, and releases whole free pages
// inside them as well as at their tops). gitward calls it once, after
// start-up: loading and compiling its modules frees a few MiB of malloc
// memory (V8's compiler zones, mostly on its worker thread's arena) that
// glibc would otherwise keep for ever, because an idle gate never allocates
// enough to reuse it. Returns true when memory was released, false when
// there was none to release, null where the C library has no malloc_trim.
#include <node_api.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static napi_value trim(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
#if defined(__GLIBC__)
  napi_get_boolean(env, malloc_trim(0) == 1, &out);
#else
  napi_get_null(env, &out);
#endif
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  napi_create_function(env, "trim", NAPI_AUTO_LENGTH, trim, NULL, &fn);
  napi_set_named_property(env, exports, "trim", fn);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
