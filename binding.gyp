{
  "targets": [
    {
      "target_name": "sock_diag",
      "sources": ["native/sock_diag.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror", "-D_FORTIFY_SOURCE=2", "-fstack-protector-strong"],
      "ldflags": ["-Wl,-z,relro", "-Wl,-z,now"]
    }
  ]
}
