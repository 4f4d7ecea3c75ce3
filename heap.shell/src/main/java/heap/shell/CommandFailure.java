package heap.shell;

/**
 * A heap command that failed and said so: {@link CommandLines} prints {@code document} (the {@code --json} error
 * document) on the session's stdout, or "error: " and the message on its stderr, and counts the line as failed for
 * whoever ran it (the console's exit status, an attached client's).
 */
final class CommandFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The JSON error document to print instead of the message, or null. */
    final String document;

    CommandFailure(String message, String document) {
        super(message, null, false, false);
        this.document = document;
    }
}
