package heap.shell;

import heap.api.Status;
import heap.api.StatusException;

/** A size argument as an operator types it: 4096, 64k, 8M, 1G (binary units). */
final class SizeArgument {
    private SizeArgument() {
    }

    static long parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        if (trimmed.isEmpty()) {
            throw invalid(text);
        }
        char unit = Character.toLowerCase(trimmed.charAt(trimmed.length() - 1));
        int shift = switch (unit) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? trimmed : trimmed.substring(0, trimmed.length() - 1);
        long value;
        try {
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw invalid(text);
        }
        if (value <= 0 || value > (Long.MAX_VALUE >> shift)) {
            throw new StatusException(Status.INVALID_ARGS, "size '" + text + "' must be positive and below 2^63 bytes");
        }
        return value << shift;
    }

    private static StatusException invalid(String text) {
        return new StatusException(Status.INVALID_ARGS, "size '" + text + "' is not a number with an optional k, M or G suffix");
    }
}
