// SPDX-License-Identifier: Apache-2.0
package dev.tld.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class or method only where BPF task local data works: Linux
 * 6.13+ with BTF, libbpf, and the privileges to load programs
 * ({@link dev.tld.core.KernelSupport#probe()}), and, with {@link #bpffs()}, a writable
 * bpffs at {@code /sys/fs/bpf}. Elsewhere the tests are skipped, and the skip names what
 * is missing.
 */
@Target({ ElementType.TYPE, ElementType.METHOD })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(EnabledOnBpfCondition.class)
public @interface EnabledOnBpf {

	/**
	 * Whether the tests also need to pin maps in bpffs.
	 * @return true to require a writable {@code /sys/fs/bpf}
	 */
	boolean bpffs() default false;

}
