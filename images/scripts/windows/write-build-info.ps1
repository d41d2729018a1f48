# Stamps the image with a small build-info file under ProgramData (kept by sysprep).
$ErrorActionPreference = 'Stop'

$root = $env:ProgramData
if (-not $root) { $root = [System.IO.Path]::GetTempPath() }
$dir = Join-Path $root 'azure-image-build'
New-Item -ItemType Directory -Force -Path $dir | Out-Null
$file = Join-Path $dir 'build-info.txt'
@(
  "built_at=$((Get-Date).ToUniversalTime().ToString('yyyy-MM-ddTHH:mm:ssZ'))"
  "os=$([System.Environment]::OSVersion.Version)"
) | Set-Content -Path $file -Encoding UTF8
Write-Output "wrote ${file}:"
Get-Content -Path $file
exit 0
