# Enables Win32 long paths (over 260 characters). The setting takes effect after a restart,
# which is why the image definitions list this script with `restart-after: true`.
$ErrorActionPreference = 'Stop'

$key = 'HKLM:\SYSTEM\CurrentControlSet\Control\FileSystem'
Set-ItemProperty -Path $key -Name 'LongPathsEnabled' -Value 1 -Type DWord
Write-Output "LongPathsEnabled set to 1 under $key"
exit 0
