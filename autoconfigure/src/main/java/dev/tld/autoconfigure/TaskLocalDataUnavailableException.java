// SPDX-License-Identifier: Apache-2.0
package dev.tld.autoconfigure;

/**
 * Thrown at startup when {@code tld.fail-fast} is set and task local data cannot reach
 * BPF.
 */
public class TaskLocalDataUnavailableException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final String reason;

	/**
	 * Create the exception.
	 * @param reason why BPF cannot be used
	 * @param cause the underlying failure, or null
	 */
	public TaskLocalDataUnavailableException(String reason, Throwable cause) {
		super("Task local data cannot be published to BPF: " + reason, cause);
		this.reason = reason;
	}

	/**
	 * Why BPF cannot be used.
	 * @return the reason
	 */
	public String reason() {
		return this.reason;
	}

}
