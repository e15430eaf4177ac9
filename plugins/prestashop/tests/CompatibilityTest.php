<?php

use PHPUnit\Framework\TestCase;

/**
 * The module runs on PHP 7.2 to 8.3: this PHP (newer) parses every file, and these checks refuse
 * the syntax PHP 7.2 does not have, on the tokens of every file of the module.
 */
class CompatibilityTest extends TestCase
{
    public function moduleFiles()
    {
        $files = array();
        $iterator = new RecursiveIteratorIterator(new RecursiveDirectoryIterator(dirname(__DIR__) . '/connectorhub', FilesystemIterator::SKIP_DOTS));
        foreach ($iterator as $file) {
            if (substr($file->getFilename(), -4) === '.php') {
                $files[substr($file->getPathname(), strlen(dirname(__DIR__)) + 1)] = array($file->getPathname());
            }
        }
        ksort($files);

        return $files;
    }

    /**
     * @dataProvider moduleFiles
     */
    public function testNoSyntaxNewerThanPhp72($path)
    {
        $this->assertSame(array(), self::newerSyntax(file_get_contents($path)));
    }

    /**
     * @dataProvider moduleFiles
     */
    public function testEveryFileRefusesToRunOutsidePrestaShop($path)
    {
        $this->assertMatchesRegularExpression("/^<\\?php\\n(\\/\\*\\*.*?\\*\\/\\n|\\/\\/[^\\n]*\\n)*(if \\(!defined\\('_PS_VERSION_'\\)\\) \\{\\n    exit;\\n\\}|header\\(|global \\\$_MODULE;)/s", file_get_contents($path));
    }

    public function testTheCheckCatchesEachForbiddenConstruct()
    {
        $samples = array(
            'arrow function' => '$f = fn($x) => $x;',
            'match' => '$a = match ($x) { 1 => 2 };',
            'nullsafe' => '$a = $b?->c;',
            'typed property' => 'class A { private int $x; }',
            'typed static property' => 'class A { public static ?array $x; }',
            'constructor promotion' => 'class A { public function __construct(private $x) {} }',
            'union type' => 'function f(int|string $x) {}',
            'mixed' => 'function f(mixed $x) {}',
            'named argument' => 'f(name: 1);',
            'trailing comma in a call' => 'f(1, 2,);',
            'trailing comma in parameters' => 'function f($a, $b,) {}',
            'null coalescing assignment' => '$a ??= 1;',
            'spread or variadics' => 'f(...$a);',
            'catch without variable' => 'try {} catch (Exception) {}',
            'numeric separator' => '$a = 1_000;',
            'attribute' => '#[Attr] function f() {}',
            'enum' => 'enum A {}',
            'readonly' => 'class A { public readonly $x; }',
        );
        foreach ($samples as $name => $code) {
            $this->assertNotSame(array(), self::newerSyntax("<?php\n" . $code), $name . ' was not caught');
        }
        $this->assertSame(array(), self::newerSyntax("<?php\n\$a = array(1, 2,); \$b = \$c ? \$d : \$e; \$f = A::B; function g(array \$x = array(), \$y = null) { return \$x ?: \$y; } \$h = function (\$i) use (\$x) { return \$i; };"));
    }

    /**
     * @return string[] what PHP 7.2 would not parse
     */
    public static function newerSyntax($code)
    {
        $found = array();
        foreach (array('/\?->/' => 'nullsafe ?->', '/\?\?=/' => '??=', '/\b\d+_\d/' => 'numeric separator', '/#\[/' => 'attribute', '/\bcatch\s*\(\s*[\w\\\\|]+\s*\)/' => 'catch without variable') as $pattern => $name) {
            if (preg_match($pattern, self::codeOnly($code))) {
                $found[] = $name;
            }
        }
        $tokens = array_values(array_filter(token_get_all($code), function ($token) {
            return !is_array($token) || !in_array($token[0], array(T_WHITESPACE, T_COMMENT, T_DOC_COMMENT), true);
        }));
        $stack = array();
        $count = count($tokens);
        for ($i = 0; $i < $count; ++$i) {
            $token = $tokens[$i];
            $text = is_array($token) ? $token[1] : $token;
            $lower = strtolower($text);
            $previous = $i > 0 ? (is_array($tokens[$i - 1]) ? strtolower($tokens[$i - 1][1]) : $tokens[$i - 1]) : '';
            $next = $i + 1 < $count ? (is_array($tokens[$i + 1]) ? $tokens[$i + 1][1] : $tokens[$i + 1]) : '';
            $inParentheses = $stack !== array() && end($stack) !== 'array';
            if (in_array($lower, array('fn', 'match', 'enum', 'readonly', 'mixed'), true) && $previous !== '->' && $previous !== '::' && $previous !== 'function') {
                $found[] = $lower;
            }
            if ($text === '...') {
                $found[] = 'spread or variadics';
            }
            if ($text === '(') {
                $stack[] = $previous === 'array' || $previous === 'list' ? 'array' : ($previous === 'declare' ? 'declare' : 'call');
            } elseif ($text === ')') {
                array_pop($stack);
            } elseif ($text === ',' && $next === ')' && $inParentheses) {
                $found[] = 'trailing comma in a call or parameter list';
            } elseif ($text === '|' && $inParentheses && is_array($tokens[$i + 1]) && $tokens[$i + 1][0] === T_STRING && $i + 2 < $count && is_array($tokens[$i + 2]) && $tokens[$i + 2][0] === T_VARIABLE) {
                $found[] = 'union type';
            } elseif ($text === ':' && $inParentheses && is_array($tokens[$i - 1]) && $tokens[$i - 1][0] === T_STRING && in_array($tokens[$i - 2], array('(', ','), true)) {
                $found[] = 'named argument';
            }
            if (in_array($lower, array('public', 'private', 'protected', 'var'), true)) {
                $j = $i + 1;
                while ($j < $count && is_array($tokens[$j]) && in_array(strtolower($tokens[$j][1]), array('static', 'readonly'), true)) {
                    ++$j;
                }
                $after = $j < $count ? (is_array($tokens[$j]) ? $tokens[$j] : array(0, $tokens[$j])) : array(0, '');
                if ($after[1] === '?' || ($after[0] !== T_VARIABLE && $after[0] !== T_FUNCTION && $after[0] !== T_CONST && $after[1] !== 'function' && $after[1] !== 'const')) {
                    $found[] = 'typed property';
                }
                if ($inParentheses) {
                    $found[] = 'constructor promotion';
                }
            }
        }

        return array_values(array_unique($found));
    }

    /** The code without strings and comments, for the regular expressions. */
    private static function codeOnly($code)
    {
        $out = '';
        foreach (token_get_all($code) as $token) {
            if (is_array($token) && in_array($token[0], array(T_CONSTANT_ENCAPSED_STRING, T_ENCAPSED_AND_WHITESPACE, T_COMMENT, T_DOC_COMMENT, T_INLINE_HTML), true)) {
                $out .= '""';
            } else {
                $out .= is_array($token) ? $token[1] : $token;
            }
        }

        return $out;
    }
}
