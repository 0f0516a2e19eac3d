{
  "targets": [
    {
      "target_name": "posix_spawn",
      "sources": ["native/posix-spawn.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "conditions": [["OS!='linux'", {"type": "none", "sources!": ["native/posix-spawn.c"]}]]
    }
  ]
}
