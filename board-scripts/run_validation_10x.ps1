<#
.SYNOPSIS
Runs board-scripts/validate_project.py N times in a row (default 10): the seed's stability check.

.DESCRIPTION
Prints one line per run, then the pass count and the spread of the run times (min / median / max). Exits 0 only if
every run passed. Twin of run_validation_10x.sh for Windows PowerShell 5.1 and PowerShell 7. The validator's smoke
starts ./fpga-llm, a bash script: on Windows it needs bash (Git Bash or WSL) on the PATH, or pass --no-smoke.

.EXAMPLE
powershell -ExecutionPolicy Bypass -File board-scripts\run_validation_10x.ps1
.EXAMPLE
pwsh board-scripts/run_validation_10x.ps1 -Runs 3 -ValidatorArgs --no-smoke
#>
param(
    [int] $Runs = 10,
    [string[]] $ValidatorArgs = @()
)

# Arguments the param block did not bind (e.g. --no-smoke written directly) go to the validator as well.
$passThrough = @($ValidatorArgs) + @($args)
if ($Runs -lt 1) {
    [Console]::Error.WriteLine("run_validation_10x: -Runs needs a positive whole number, got $Runs")
    exit 2
}

# A Python 3.8+: the py launcher first (python3 on Windows may be the Store's placeholder), then python3, python.
$python = $null
foreach ($candidate in @(@('py', '-3'), @('python3'), @('python'))) {
    if (-not (Get-Command $candidate[0] -ErrorAction SilentlyContinue)) { continue }
    $rest = @($candidate | Select-Object -Skip 1)
    & $candidate[0] @rest -c 'import sys; sys.exit(sys.version_info < (3, 8))' 2>$null | Out-Null
    if ($LASTEXITCODE -eq 0) { $python = $candidate; break }
}
if (-not $python) {
    [Console]::Error.WriteLine('run_validation_10x: needs Python 3.8 or newer (py, python3 or python on the PATH)')
    exit 2
}
$pythonExe = $python[0]
$pythonArgs = @($python | Select-Object -Skip 1)
$validator = Join-Path $PSScriptRoot 'validate_project.py'

# Native stderr must not turn into terminating errors; the validator's exit code is what counts.
$ErrorActionPreference = 'Continue'
$passed = 0
$times = New-Object System.Collections.Generic.List[double]
for ($i = 1; $i -le $Runs; $i++) {
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $output = & $pythonExe @pythonArgs $validator @passThrough 2>&1 | ForEach-Object { "$_" }
    $code = $LASTEXITCODE
    $watch.Stop()
    $seconds = $watch.Elapsed.TotalSeconds
    $times.Add($seconds)
    $shown = $seconds.ToString('F2', [Globalization.CultureInfo]::InvariantCulture)
    if ($code -eq 0) {
        $passed++
        Write-Output "run $i/${Runs}: PASS in $shown s"
    } else {
        Write-Output "run $i/${Runs}: FAIL (exit $code) in $shown s"
        $output | Where-Object { $_ -match '^(FAIL|validate_project)' } | ForEach-Object { Write-Output "    $_" }
    }
}

# Spread of the run times; the median of an even count is the mean of the two middle values.
$sorted = @($times | Sort-Object)
$n = $sorted.Count
if ($n % 2 -eq 1) { $median = $sorted[($n - 1) / 2] } else { $median = ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
$inv = [Globalization.CultureInfo]::InvariantCulture
$spread = 'min {0} s, median {1} s, max {2} s' -f $sorted[0].ToString('F2', $inv), $median.ToString('F2', $inv),
    $sorted[$n - 1].ToString('F2', $inv)
Write-Output "validation: $passed/$Runs runs passed; time per run $spread"
if ($passed -eq $Runs) { exit 0 } else { exit 1 }
