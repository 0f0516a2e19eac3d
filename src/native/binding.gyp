{
  "targets": [
    {
      "target_name": "posix_spawn",
      "sources": ["posix-spawn.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["posix-spawn.c"]}]]
    },
    {
      "target_name": "malloc_trim",
      "sources": ["malloc-trim.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["malloc-trim.c"]}]]
    }
  ]
}
