package heap.shell;

import heap.api.Status;
import heap.api.StatusException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size argument as an operator types it, in binary units: 4096, 64k, 8M, 1G, 1T, and as the shell prints sizes
 * (8.0 MiB, 4 KiB, 4096 B), so a size copied from heap:list or heap:alloc reads back as the same number of bytes.
 */
final class SizeArgument {
    private static final Pattern SIZE = Pattern.compile("(-?\\d+(?:\\.\\d+)?)\\s*(?:([kmgt])(?:i?b)?|b)?",
            Pattern.CASE_INSENSITIVE);

    private SizeArgument() {
    }

    /** The bytes {@code text} names; a negative or zero size is read as a number, so the error says what is wrong. */
    static long parse(String text) {
        Matcher matcher = SIZE.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            throw new StatusException(Status.INVALID_ARGS, "size '" + text + "' is not a number with an optional "
                    + "unit k, M, G or T (KiB, MiB, GiB, TiB; B for bytes)");
        }
        String unit = matcher.group(2);
        int shift = unit == null ? 0 : 10 * ("kmgt".indexOf(Character.toLowerCase(unit.charAt(0))) + 1);
        BigDecimal bytes = new BigDecimal(matcher.group(1)).multiply(new BigDecimal(BigInteger.ONE.shiftLeft(shift)));
        if (bytes.signum() <= 0 || bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new StatusException(Status.INVALID_ARGS, "size '" + text + "' must be positive and below 2^63 bytes");
        }
        try {
            return bytes.longValueExact();
        } catch (ArithmeticException fraction) {
            throw new StatusException(Status.INVALID_ARGS, "size '" + text + "' is not a whole number of bytes ("
                    + bytes.stripTrailingZeros().toPlainString() + ")");
        }
    }
}
