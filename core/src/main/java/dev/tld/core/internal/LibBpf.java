// SPDX-License-Identifier: Apache-2.0
package dev.tld.core.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.annotations.SaveError;

/**
 * The libbpf 1.x functions the core needs, bound with jnr-ffi. Functions returning
 * {@code int} return a negative errno on failure; functions returning a pointer return
 * {@code null} and set errno. Internal: not part of the API.
 */
public interface LibBpf {

	/** Receives libbpf's log lines; {@code args} is a {@code va_list}. */
	interface PrintFn {

		@Delegate
		int print(int level, Pointer format, Pointer args);

	}

	Pointer libbpf_set_print(PrintFn fn);

	@SaveError
	Pointer bpf_object__open_mem(Pointer buf, long size, Pointer opts);

	int bpf_object__load(Pointer obj);

	void bpf_object__close(Pointer obj);

	Pointer bpf_object__find_map_by_name(Pointer obj, String name);

	Pointer bpf_object__find_program_by_name(Pointer obj, String name);

	Pointer bpf_object__next_map(Pointer obj, Pointer prev);

	Pointer bpf_object__next_program(Pointer obj, Pointer prev);

	String bpf_map__name(Pointer map);

	int bpf_map__fd(Pointer map);

	int bpf_map__set_pin_path(Pointer map, String path);

	int bpf_map__reuse_fd(Pointer map, int fd);

	int bpf_map__unpin(Pointer map, String path);

	String bpf_program__name(Pointer prog);

	int bpf_program__fd(Pointer prog);

	@SaveError
	Pointer bpf_program__attach(Pointer prog);

	@SaveError
	Pointer bpf_program__attach_iter(Pointer prog, Pointer opts);

	int bpf_link__destroy(Pointer link);

	int bpf_link__fd(Pointer link);

	int bpf_iter_create(int linkFd);

	int libbpf_num_possible_cpus();

	int bpf_map_update_elem(int fd, Pointer key, Pointer value, long flags);

	int bpf_map_lookup_elem(int fd, Pointer key, Pointer value);

	int bpf_map_lookup_and_delete_elem(int fd, Pointer key, Pointer value);

	int bpf_map_delete_elem(int fd, Pointer key);

	int bpf_map_get_next_key(int fd, Pointer key, Pointer nextKey);

	int bpf_obj_pin(int fd, String path);

	int bpf_obj_get(String path);

	int bpf_obj_get_info_by_fd(int fd, Pointer info, Pointer infoLen);

	int bpf_prog_test_run_opts(int progFd, Pointer opts);

}
